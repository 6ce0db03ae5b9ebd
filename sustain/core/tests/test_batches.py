from sustain.core import batches


def test_a_fact_is_read_every_time_outside_a_batch_and_once_inside_one():
    reads: list[int] = []

    def read() -> int:
        reads.append(len(reads))
        return len(reads)

    assert [batches.read_once("fact", read) for _ in range(2)] == [1, 2]
    with batches.one_batch():
        assert [batches.read_once("fact", read) for _ in range(3)] == [3, 3, 3]
        assert batches.read_once("other", lambda: "x") == "x"
    with batches.one_batch():  # a new batch reads again
        assert batches.read_once("fact", read) == 4
    assert len(reads) == 4
