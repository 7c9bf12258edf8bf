# The atonix stack service: `atonix serve` (API) or `atonix worker` (Celery worker).
# Build: docker build -t atonix .   Run: see deploy/compose.yaml and the README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY atonix_iac ./atonix_iac
RUN pip install '.[service]' && rm -rf /src

# Never root: the service needs no privilege, only its port and its state URL.
RUN useradd --create-home --uid 10001 atonix
USER atonix
WORKDIR /home/atonix

ENV ATONIX_SERVICE_HOST=0.0.0.0 \
    ATONIX_SERVICE_PORT=8004 \
    ATONIX_CONFIG=/etc/atonix/atonix.yaml
EXPOSE 8004
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('ATONIX_SERVICE_PORT', '8004'), timeout=4)"
CMD ["atonix", "serve"]
