"""The suite's own guard: an async test that leaves a task running must fail."""

import pytest

pytestmark = pytest.mark.filterwarnings("ignore")


def test_a_leaking_test_fails(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "from tests.conftest import no_leaked_tasks, pytest_collection_modifyitems  # noqa: F401"
    )
    pytester.makepyfile(
        """
        import asyncio

        async def test_leaks():
            asyncio.get_running_loop().create_task(asyncio.sleep(3600), name="forgotten")

        async def test_cleans_up():
            task = asyncio.get_running_loop().create_task(asyncio.sleep(3600))
            task.cancel()
        """
    )
    result = pytester.runpytest_inprocess(
        "-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    # The leaking test's body passes; the guard fails it in teardown.
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.re_match_lines([r".*test leaked 1 asyncio task\(s\): \['forgotten'\].*"])
