"""Serving the registered adapter: an MLflow pyfunc model (``adapter_model.py``) and how it is saved
(``pyfunc.py``), and ``loraforge serve``, the bundle's HTTP API on the version a registry alias points to
(``registry.py``)."""
