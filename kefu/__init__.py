"""Kefu (客服): one place for every customer request, from intake to a confirmed result."""

__version__ = "0.1.0"
