# Template for a hybrid-RAG portfolio project. `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
BUILD ?= build
PROJECT := $(BUILD)/knowledge-assistant

.PHONY: help setup bake demo test lint

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-8s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.installed ## Create .venv with cookiecutter, pytest and ruff

bake: setup ## Bake a project with the default answers into build/
	rm -rf $(PROJECT)
	$(PY) -m cookiecutter --no-input . --output-dir $(BUILD)

demo: bake ## Bake, set up, index the sample corpus and answer a question
	$(MAKE) -C $(PROJECT) demo

test: setup ## Template tests: hooks, every option combination, the default bake's own checks
	$(PY) -m pytest tests

lint: setup ## ruff over the hooks and the template's tests
	$(PY) -m ruff check hooks tests
