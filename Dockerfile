# Hearth: `hearth run` as a non-root user, data in a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HEARTH_DATA_DIR=/data

RUN useradd --create-home --uid 10001 hearth && mkdir /data && chown hearth:hearth /data
WORKDIR /app

# Runtime dependencies only (requirements.lock; the test and lint tools are in requirements-dev.lock),
# first, so code changes do not reinstall them. The lock includes the postgres extra (asyncpg): the image
# works with a sqlite+aiosqlite or a postgresql+asyncpg HEARTH_DATABASE_URL.
COPY requirements.lock ./
RUN pip install -r requirements.lock && python -c "import aiosqlite, asyncpg"

COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
COPY config ./config
COPY locales ./locales
# Editable: the copied tree is what runs (bot/core/i18n.py reads ./locales beside the packages).
# tests/test_packaging.py checks these COPY lines against what the installed hearth needs.
RUN pip install --no-deps -e .

USER hearth
VOLUME ["/data"]
ENTRYPOINT ["hearth"]
CMD ["run"]
