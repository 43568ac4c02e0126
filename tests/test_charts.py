"""Chart builders of the dashboard, checked on the figures they return."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pages import _charts


def test_segment_heatmap_colours_each_row_by_its_shares():
    """One large segment does not wash out the colours of the others."""
    by_segment = pd.DataFrame(
        {"age": [0.2, 8.0, 0.0], "loan": [0.6, 2.0, 0.0]}, index=[0, 1, 2]
    )
    figure = _charts.segment_heatmap(by_segment, {1: "Borrowers"})
    (trace,) = figure.data

    shares = np.asarray(trace.z, dtype=float)
    np.testing.assert_allclose(shares[0], [0.25, 0.75])
    np.testing.assert_allclose(shares[1], [0.8, 0.2])
    np.testing.assert_array_equal(shares[2], [0.0, 0.0])  # no importance, no NaN
    # The cells and the hover still give the values themselves
    np.testing.assert_array_equal(np.asarray(trace.text), by_segment.to_numpy())
    assert list(trace.y) == ["Segment 1", "Borrowers", "Segment 3"]
    assert list(trace.x) == ["age", "loan"]
