"""Heat Orchestration API v1 handlers (Falcon resources), one module per family."""
