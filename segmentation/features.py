"""Numeric representations of customers, one per method.

* K-Means: every column ordinal-encoded (categories in alphabetical order,
  numbers replaced by the rank of their distinct values), then a standardized
  Yeo-Johnson power transform (:func:`encode_ordinal_power`).
* K-Prototypes: numeric columns power-transformed, categorical columns kept
  as integer category codes (:func:`encode_mixed`).
* Shared space, used to compare methods fairly: numeric columns
  power-transformed and categorical columns one-hot encoded, each indicator
  divided by the square root of 2 so that two customers who differ in one
  category are at squared distance 1, like one standard deviation of a
  numeric column (:func:`encode_shared`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.preprocessing import OrdinalEncoder, PowerTransformer

from .data import CustomerTable

__all__ = ["MixedFeatures", "encode_ordinal_power", "encode_mixed", "encode_shared"]


@dataclass(frozen=True)
class MixedFeatures:
    """Numeric and categorical parts of the customers, for K-Prototypes.

    Attributes
    ----------
    X_num : ndarray of shape (n_customers, n_numeric)
        Power-transformed numeric columns (zero columns when there are none).
    X_cat : ndarray of shape (n_customers, n_categorical)
        Integer category codes; ``categories[j][code]`` is the value.
    numeric, categorical : tuple of str
        Column names of each part.
    categories : tuple of tuple of str
        The categories of each categorical column, sorted.
    """

    X_num: np.ndarray
    X_cat: np.ndarray
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]


def _power(values: pd.DataFrame | np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.shape[1] == 0:
        return np.empty((values.shape[0], 0))
    return PowerTransformer(method="yeo-johnson", standardize=True).fit_transform(
        values
    )


def encode_ordinal_power(table: CustomerTable) -> np.ndarray:
    """Ordinal-encode every column, then apply a standardized Yeo-Johnson transform.

    This is the K-Means representation of the reference analysis: scikit-learn's
    ``OrdinalEncoder`` with its default (sorted) categories on every chosen
    column, numeric ones included, followed by ``PowerTransformer``.

    Returns
    -------
    ndarray of shape (n_customers, n_columns)
    """
    frame = table.frame
    codes = OrdinalEncoder().fit_transform(frame)
    return _power(codes)


def encode_mixed(table: CustomerTable) -> MixedFeatures:
    """Split customers into power-transformed numbers and category codes."""
    frame = table.frame
    X_num = _power(frame[list(table.numeric)])
    categories, codes = [], []
    for name in table.categorical:
        values = pd.Categorical(frame[name].astype(str))
        categories.append(tuple(values.categories))
        codes.append(values.codes.astype(np.int64))
    X_cat = np.column_stack(codes) if codes else np.empty((len(frame), 0), np.int64)
    return MixedFeatures(
        X_num=np.ascontiguousarray(X_num, dtype=np.float64),
        X_cat=np.ascontiguousarray(X_cat, dtype=np.int64),
        numeric=tuple(table.numeric),
        categorical=tuple(table.categorical),
        categories=tuple(categories),
    )


def one_hot(X_cat: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """One-hot encode integer codes column by column, each indicator times ``scale``."""
    blocks = []
    for j in range(X_cat.shape[1]):
        column = X_cat[:, j]
        block = np.zeros((len(column), int(column.max()) + 1))
        block[np.arange(len(column)), column] = scale
        blocks.append(block)
    if not blocks:
        return np.empty((X_cat.shape[0], 0))
    return np.hstack(blocks)


def encode_shared(table: CustomerTable) -> np.ndarray:
    """The shared comparison space: power-transformed numbers plus scaled one-hot."""
    mixed = encode_mixed(table)
    return np.hstack([mixed.X_num, one_hot(mixed.X_cat, scale=1 / np.sqrt(2))])
