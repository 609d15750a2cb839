# Everything a contributor or CI runs. A fresh machine needs Python 3.11+ and make:
# the first target that needs tools creates .venv and installs the pinned ones.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TERRAFORM := $(BIN)/python tools/terraform.py

# checkov has its own environment: its dependencies clash with the dev pins.
# Offline: no Prisma Cloud mapping or guidelines, no package scan, no module download.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
CHECKOV := BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false $(CHECKOV_VENV)/bin/checkov

.DEFAULT_GOAL := help
.PHONY: help venv test fmt lint style package plan apply clean run demo validate docs bench fuzz load

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The venv ignores itself in git (a '*' .gitignore, as Python 3.13's venv writes).
$(CHECKOV_STAMP): tools/checkov-requirements.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	echo '*' > $(CHECKOV_VENV)/.gitignore
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r tools/checkov-requirements.txt
	touch $@

venv: $(STAMP) ## Create .venv and install the pinned development tools

# checkov runs once here, in tests/static/test_checkov.py: the scan `make lint` runs, with
# stricter checks of its report. So the lint before the tests is the rest of `make lint`.
test: $(STAMP) $(CHECKOV_STAMP) style validate ## Lint, validate the Terraform offline, then run every offline test
	$(BIN)/pytest -n 2 --dist loadgroup

fmt: $(STAMP) ## Rewrite Python and Terraform files in the canonical format
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(TERRAFORM) fmt -recursive

lint: style $(CHECKOV_STAMP) ## Check formatting, lint, and checkov over the module and examples
	$(CHECKOV) --directory . --skip-path tests --framework terraform \
		--skip-download --download-external-modules false --quiet --compact

style: $(STAMP) ## Check formatting and lint: `make lint` without checkov
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TERRAFORM) fmt -check -recursive

validate: $(STAMP) ## terraform fmt, init and validate of every module, aws 6.47.0 and 5.100.0, offline
	$(BIN)/python -m tools.validate

docs: $(STAMP) ## Rewrite README.md's terraform-docs block from the .tf files (.terraform-docs.yml)
	$(BIN)/python -m tools.readme_tables

package: $(STAMP) ## Build the Lambda zips (code, handlers layer) as the module does; print sizes
	$(BIN)/python -m tools.package

plan apply: ## Plan or apply examples/complete (needs terraform and AWS credentials)
	@command -v terraform >/dev/null || { echo "make $@ needs a terraform binary on PATH (https://developer.hashicorp.com/terraform/install)"; exit 1; }
	@$(BIN)/python -c 'import boto3,sys; sys.exit(0 if boto3.Session().get_credentials() else 1)' 2>/dev/null \
		|| { echo "make $@ needs AWS credentials (aws configure, or AWS_PROFILE / AWS_ACCESS_KEY_ID)"; exit 1; }
	cd examples/complete && terraform init -input=false && terraform $@

# The module's own root, planned offline with a name for it; TF_DIR=path serves that stack
# instead (TF_ARGS="--var-file=dev.tfvars" and the like are passed on).
run: $(STAMP) ## Serve a stack from its Terraform plan on ws://127.0.0.1:8080/dev (TF_DIR=., TF_ARGS=)
	$(BIN)/python -m local_gateway --terraform $(or $(TF_DIR),.) $(if $(TF_DIR),,--var name=websocket-local) $(TF_ARGS)

demo: $(STAMP) ## Start the local gateway, send one message, print the echo, stop
	$(BIN)/python -m local_gateway.demo

bench: $(STAMP) ## Measure the gateway against raw aiohttp (PEER=1: and serverless-offline; QUICK=1)
	$(BIN)/python -m bench $(if $(PEER),--peer) $(if $(QUICK),--quick)

fuzz: $(STAMP) ## Fuzz the local gateway: 10,000 random frames from 50 clients, with resets
	$(BIN)/python -m stress.fuzz --frames 10000 --clients 50

load: $(STAMP) ## 1,000 connections x 100 messages through the local gateway: exactly-once echo
	$(BIN)/python -m stress.load --connections 1000 --messages 100

clean: ## Remove the virtualenv, build output and Terraform working files
	rm -rf $(VENV) $(CHECKOV_VENV) .build .pytest_cache .ruff_cache
	find . -name .terraform -type d -prune -exec rm -rf {} +
