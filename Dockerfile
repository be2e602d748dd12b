# The image docker-compose.yml builds for the indexer and the API.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY caremap caremap
COPY api api
COPY indexer indexer
COPY mappings mappings
COPY corpus corpus
ENV HF_HUB_OFFLINE=1
EXPOSE 8000
CMD ["python", "-m", "caremap", "serve", "--host", "0.0.0.0"]
