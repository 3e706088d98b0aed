# Two entry points: `make run` (quickstart) and `make test` (whole suite).
# Both create .venv on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean bench

run: $(STAMP)
	$(BIN)/fertui run configs/quickstart.toml
	@echo "Next: $(BIN)/fertui board quickstart    # the depth x LR leaderboard of these four runs"
	@echo "      $(BIN)/fertui                     # the console: live runs, curves, boards (q quits)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) *.egg-info
