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

# pip byte-compiles on one core (~60 s of a fresh install, most of it torch); compileall -j 0
# uses every core. It exits 1 for files no Python 3.11 can compile (torch ships a 3.12-only
# test file), which pip skips silently too.
COMPILE := $(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null || true

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --no-compile -e .
	@$(COMPILE)
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@$(BIN)/python -m pip install -q --no-compile -e '.[test]'
	@$(COMPILE)
	@touch $(TEST_STAMP)

clean:
	rm -rf $(VENV) *.egg-info
