# Production image: one image for web (gunicorn), Celery worker and Celery beat (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=0 \
    MEDIA_ROOT=/app/media

RUN useradd --create-home --uid 1000 app
WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. pyproject.toml packages
# nothing (py-modules = []): `pip install .` installs only the dependencies, and the site runs
# from the source in /app.
COPY pyproject.toml ./
RUN pip install --no-cache-dir . && rm -rf build *.egg-info

# .dockerignore keeps .venv/, .data/ (the embedded database) and any .env with secrets out.
COPY . .

# Translations are compiled with polib (no gettext); static files are collected with
# placeholder settings: production settings require these variables to exist, but neither
# step reads the secret or connects to the database.
RUN python scripts/compile_translations.py \
    && DEBUG=0 \
       SECRET_KEY=build-only-placeholder-not-used-at-runtime-0123456789abcdef \
       ALLOWED_HOSTS=localhost \
       DATABASE_URL=postgres://build@localhost:5432/build \
       FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1wbGFjZWhvbGRlci1rZXktMDAwMDA= \
       python manage.py collectstatic --noinput -v 0 \
    && mkdir -p /app/media \
    && chown -R app:app /app/media

USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
