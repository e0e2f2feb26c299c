# Gõ Cửa service image: multi-stage, slim, non-root, with a health check. Configure with GOCUA_* variables
# (README's Configuration table). Migrations are not run here: compose.yaml runs `gocua migrate` once, in its own
# one-shot service, before any server starts (several replicas must not race to migrate).

# ---- build: wheels for the service and every dependency -------------------------------------------------------
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY forms ./forms
COPY storage ./storage
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# ---- runtime: no compiler, no source tree, no root ------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GOCUA_DATA_DIR=/data
# The report's PDF: WeasyPrint's Pango and the Times-metric serif (Liberation Serif), from Debian.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 gocua \
    && useradd --system --uid 10001 --gid gocua --home-dir /data --create-home --shell /usr/sbin/nologin gocua
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]
CMD ["gocua", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-migrate"]
