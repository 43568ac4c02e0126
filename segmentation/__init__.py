"""Customer segmentation: K-Means, K-Prototypes and sentence embeddings.

The package is the core of the dashboard and the command line; it imports no
Streamlit. A typical script:

>>> from segmentation import make_demo_customers, prepare_customers, run_method
>>> table = prepare_customers(make_demo_customers(400))
>>> result = run_method(table, "kmeans", 4)
>>> int(result.profiles["size"].sum()) == int(result.space.kept.sum())
True
"""

from .compare import Agreement, compare_segmentations
from .data import CustomerTable, load_customers, prepare_customers, read_customers
from .demo import load_bank_marketing, make_demo_customers
from .explain import Explanation, explain_segments
from .methods import (
    METHOD_NAMES,
    METHODS,
    Segmentation,
    Space,
    build_space,
    fit_segments,
    segment_customers,
)
from .metrics import Scores, score_segmentation
from .outliers import find_outliers
from .pipeline import MethodRun, assignments, run_method
from .profiles import build_profiles, to_csv_bytes
from .projections import Projection, project, project_table
from .selection import scan_k, silhouette_by_customer

__all__ = [
    "Agreement",
    "CustomerTable",
    "Explanation",
    "METHODS",
    "METHOD_NAMES",
    "MethodRun",
    "Projection",
    "Scores",
    "Segmentation",
    "Space",
    "assignments",
    "build_profiles",
    "build_space",
    "compare_segmentations",
    "explain_segments",
    "find_outliers",
    "fit_segments",
    "load_bank_marketing",
    "load_customers",
    "make_demo_customers",
    "prepare_customers",
    "project",
    "project_table",
    "read_customers",
    "run_method",
    "scan_k",
    "score_segmentation",
    "segment_customers",
    "silhouette_by_customer",
    "to_csv_bytes",
]

__version__ = "0.1.0"
