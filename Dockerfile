# One image for every role; the command picks it:
#   web      uvicorn config.asgi:application --host 0.0.0.0 --port 8000 ...  (HTTP and WebSocket, the default)
#   worker   celery -A config worker -l INFO
#   migrate  sh -c "python manage.py migrate --no-input && python manage.py prepare_storage"

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Every line of requirements.txt is pinned; the test tools in it stay too, so the
# image always has whatever runtime package is added at the end of the file.
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEBUG=false \
    UPLOAD_ROOT=/data/uploads
# /app/.celery: the settings make the filesystem broker's folders there when
# CELERY_BROKER_URL is unset, the only place under /app the app user writes.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /data/uploads /app/.celery \
    && chown app:app /data/uploads /app/.celery
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY . /app
# Settings refuse to load without secrets when DEBUG is off; these values exist
# only for this build step and are not kept in the image.
RUN DEBUG=false SECRET_KEY=collectstatic-only FIELD_ENCRYPTION_KEY=collectstatic-only CELERY_BROKER_URL=memory:// python manage.py collectstatic --no-input -v 0
USER 10001:10001
EXPOSE 8000 8001
VOLUME ["/data/uploads"]
# Host "localhost" because the probe's own address is not in ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-c", "import sys, urllib.request; request = urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': 'localhost'}); sys.exit(0 if urllib.request.urlopen(request, timeout=4).status == 200 else 1)"]
# HTTP; the WebSocket role runs the same image with the ws command (docker-compose.yml).
CMD ["gunicorn", "-c", "config/gunicorn.py", "--bind", "0.0.0.0:8000"]
