"""The dashboard's data, one module per page: queries with bound parameters, and the cached functions
that run them and hand polars frames to the page. Page scripts never hold SQL."""
