"""The atonix dev cloud: a real one-machine OpenStack for functional tests.

Standard library only: these modules run under the machine's python3 before any venv exists.
``seed_cloud.py`` is the exception; it runs inside the dev cloud's own venv (openstacksdk).
"""
