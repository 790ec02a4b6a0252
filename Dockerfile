FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
# The pinned versions (requirements.lock, see `make lock`), then the project without resolving again.
COPY pyproject.toml requirements.lock ./
RUN pip install --upgrade pip && pip install -r requirements.lock
COPY . .
RUN pip install --no-deps .
# collectstatic needs a key at build time only; the real one comes from the environment at run time.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=build python manage.py collectstatic --noinput

# The private-media volume takes this directory's owner when first created: writable by the app user.
RUN useradd --create-home portal && mkdir -p /app/var/private && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "mktgops_portal.wsgi:application", "-c", "gunicorn.conf.py"]
