# The Bakfiets image: the API (uvicorn), the planning worker (celery) and the `bakfiets` CLI.
# Built by docker-compose.yml; every service runs its own command from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# DejaVu Sans: the font slips and manifests embed (depot/paper/fonts.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The locked tree first: a code change does not reinstall the dependencies.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY planner ./planner
COPY maps ./maps
COPY models ./models
COPY depot ./depot
COPY api ./api
# Editable, as `make install` does: the Alembic migrations are read from models/migrations.
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/bakfiets bakfiets

USER bakfiets
# Built graphs and geocoder indexes (a volume in docker-compose.yml).
ENV BAKFIETS_DATA_DIR=/var/lib/bakfiets
EXPOSE 8000
CMD ["uvicorn", "--factory", "api.main:app_from_env", "--host", "0.0.0.0", "--port", "8000"]
