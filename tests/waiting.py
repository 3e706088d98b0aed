"""Waiting on real processes: poll a condition with a deadline, never a fixed sleep."""

import time


def wait_for(condition, timeout: float = 60.0, what: str = "condition", interval: float = 0.05):
    """Poll CONDITION until it returns something truthy (and return that); fail after TIMEOUT s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def told_trials(journal, study: str, timeout: float = 60.0) -> list:
    """STUDY's trials once none is RUNNING: the scheduler tells Optuna just after the store
    records a run's end, so a test that saw the end in the store waits for the study too."""
    import optuna  # heavy: only the tests that read a journal pay for it
    from optuna.storages.journal import JournalFileBackend

    def told():
        storage = optuna.storages.JournalStorage(JournalFileBackend(str(journal)))
        trials = optuna.load_study(study_name=study, storage=storage).trials
        return trials if all(t.state.is_finished() for t in trials) else None

    return wait_for(told, timeout, f"every trial of {study} to be told how its run ended")
