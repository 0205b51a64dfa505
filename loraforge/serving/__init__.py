"""Serving the registered adapter: an MLflow pyfunc model (``adapter_model.py``) and how it is saved."""
