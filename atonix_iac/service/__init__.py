"""The stack service: Heat's Orchestration API v1 over atonix's engine, for API clients.

A composition root beside ``cli/`` (neither imports the other): ``api/`` speaks Heat's REST API
(Falcon on waitress), ``auth.py`` validates Keystone tokens, ``engine.py`` runs a stack action
with the same library calls the CLI makes (template, plan, apply, state), ``jobs.py`` queues
those actions to embedded worker threads or to Celery workers over RabbitMQ.

Falcon: a small, typed, dependency-free WSGI framework made for REST APIs (URI templates match
Heat's routes one to one, no ORM or templating to carry); waitress: a pure-Python production
WSGI server with a thread pool, nothing to compile, runs as a non-root user.
"""
