# The portal's image for docker-compose.yml: one image for web (gunicorn), the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Requirements first, so a change to the code alone does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (served by whitenoise). The key only lets settings load
# with DEBUG off during the build; the containers get their own SECRET_KEY from the environment.
RUN DEBUG=0 SECRET_KEY=build-time-only-not-a-secret python manage.py collectstatic --noinput

# Attachments are written to a volume mounted at /data/attachments, outside the web root.
RUN useradd --system --uid 1000 --home-dir /app ruian \
    && mkdir -p /data/attachments \
    && chown ruian /data/attachments
USER ruian

ENV ATTACHMENT_ROOT=/data/attachments
EXPOSE 8000
# As docker-compose.yml runs it and the benchmark measures it: 2 gthread workers x 4 threads.
CMD ["gunicorn", "ruian.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--worker-class", "gthread", "--threads", "4", "--access-logfile", "-"]
