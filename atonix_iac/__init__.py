"""atonix: declarative infrastructure as code for OpenStack."""

__version__ = "0.1.0"
