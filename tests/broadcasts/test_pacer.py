"""The broadcast pacer, on a virtual clock: never more than the limit in any second (whole
seconds, or any window of one), the limit nearly reached, and a stall caught up gently."""

from itertools import pairwise

from flows.broadcasts import Pacer
from tests.broadcasts.test_telegram_broadcasts import VirtualTimer


def most_in_a_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1) for start in times)


async def test_at_most_the_limit_in_any_second_and_close_to_it_overall() -> None:
    timer = VirtualTimer()
    pacer = Pacer(30, timer)
    times = [await pacer.wait() for _ in range(300)]
    assert most_in_a_second(times) <= 30
    assert max(sum(1 for t in times if int(t) == second) for second in map(int, times)) <= 30
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 0.95 * 30 <= rate <= 30


async def test_after_a_stall_it_catches_up_at_most_twice_as_fast_and_never_bursts() -> None:
    timer = VirtualTimer()
    pacer = Pacer(10, timer)
    times = [await pacer.wait() for _ in range(20)]
    timer.now += 0.5  # the process was busy for half a second
    times += [await pacer.wait() for _ in range(40)]
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert min(gaps) >= 0.05 - 1e-9  # half the interval, at the closest
    assert most_in_a_second(times) <= 10


async def test_no_limit_never_waits() -> None:
    timer = VirtualTimer()
    pacer = Pacer(None, timer)
    times = [await pacer.wait() for _ in range(1000)]
    assert times[-1] == times[0]
