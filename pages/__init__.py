"""Pages of the segmentation dashboard and their shared helpers.

The page scripts (``data.py``, ``method.py`` ...) are run by ``st.navigation``
from ``app.py``. The private modules hold what the pages share:

* ``_state``: every session-state key, its default, and the few state changes
  (load data, keep a run, rename a segment);
* ``_cache``: the cached wrappers around the core (``st.cache_data``);
* ``_charts``: the plotly figure builders;
* ``_tables``: how tables and numbers are shown to people.
"""
