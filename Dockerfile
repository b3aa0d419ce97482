# Worker image for Dataflow (--sdk_container_image), Flink and Spark (--environment_type DOCKER
# --environment_config IMAGE): the Beam SDK image of the version in pyproject.toml, with
# dataprep (its models and word lists included) installed.
#   docker build -t REGION-docker.pkg.dev/PROJECT/REPO/dataprep:0.1.0 .
#   docker push REGION-docker.pkg.dev/PROJECT/REPO/dataprep:0.1.0
FROM apache/beam_python3.11_sdk:2.77.0
COPY pyproject.toml README.md /src/
COPY dataprep /src/dataprep
COPY pipelines /src/pipelines
COPY tokenizer /src/tokenizer
RUN pip install --no-cache-dir /src && rm -rf /src
