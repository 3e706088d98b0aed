# Two entry points: `make run` (quickstart) and `make test` (whole suite).
# Both create .venv on first use and reinstall only when pyproject.toml changes; `make run`
# installs what fertui needs, `make test` adds the test tools (browser driver, Lightning, linters).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test install clean bench

run: $(STAMP)
	$(BIN)/fertui run configs/quickstart.toml
	@echo "Next: $(BIN)/fertui board quickstart    # the depth x LR leaderboard of these four runs"
	@echo "      $(BIN)/fertui                     # the console: live runs, curves, boards (q quits)"

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q -e .
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(TEST_STAMP)

clean:
	rm -rf $(VENV) *.egg-info
