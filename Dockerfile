# The production image: web (gunicorn), worker and beat all run from it.
#   docker compose up --build        (see docker-compose.yml and README.md)

# Front-end packages (signature_pad, the handwriting font) from the npm registry, exactly as
# package-lock.json pins them; only the runtime ones, not the test tools.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (contract and invoice PDFs) needs Pango and HarfBuzz from the
# system, and fonts to draw text with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .
COPY --from=frontend /app/node_modules /app/node_modules

# Static files are collected into the image and served by whitenoise. The
# key below exists only for this build step; the containers get the real one.
RUN DJANGO_ENV=production \
    DJANGO_SECRET_KEY=collectstatic-at-build-time-only-not-a-secret-0123456789abcdef \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 app && mkdir -p /app/var/media /app/var/signing && chown -R app:app /app/var
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
