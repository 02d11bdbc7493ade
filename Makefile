# `make run` starts the app, `make test` runs the tests; both install into .venv on first use.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# These releases install from local disk on the project's machines; a looser pin downloads gigabytes.
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1
STAMP := $(VENV)/.installed

.PHONY: install run test bench clean translations

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH_PINS)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

# The window's translations: refresh resources/i18n/*.ts from the texts marked in app/ (new texts come in
# unfinished, for Qt Linguist: $(BIN)/pyside6-linguist), then build the .qm files the app loads (committed).
I18N_DIR := resources/i18n
I18N_LANGUAGES := zh_CN
translations:  # needs the tools of `make install` (PySide6 in .venv)
	for lang in $(I18N_LANGUAGES); do \
		$(BIN)/pyside6-lupdate $$(find app -name '*.py' | sort) -ts $(I18N_DIR)/convscope_$$lang.ts \
			-no-obsolete -locations none -target-language $$lang && \
		$(BIN)/pyside6-lrelease -silent $(I18N_DIR)/convscope_$$lang.ts -qm $(I18N_DIR)/convscope_$$lang.qm \
			|| exit 1; \
	done

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
