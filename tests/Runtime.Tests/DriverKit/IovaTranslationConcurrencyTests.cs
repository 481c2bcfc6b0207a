using Linux.Iommu.DriverKit;

namespace Linux.Iommu.Tests.DriverKit;

/// <summary>Lock-free lookups while one writer adds and removes entries: a reader never sees a torn or stale-inconsistent
/// entry (every hit satisfies the writer's invariant IOVA = 3 × VA and covers the address), and entries that are never
/// removed are always found.</summary>
public sealed class IovaTranslationConcurrencyTests
{
    [Fact]
    public void Readers_on_other_threads_see_only_whole_entries_while_a_writer_churns()
    {
        const ulong Page = 0x1000;
        const long EnoughLookups = 100_000;
        var translation = new IovaTranslation();
        for (ulong i = 0; i < 64; i += 2) translation.Add(new TranslationEntry(0x100000 + i * Page, Page, 3 * (0x100000 + i * Page), 0)); // stable ones
        var stop = 0;
        long lookups = 0, bad = 0;
        // Dedicated threads, running before the writer starts: on a loaded machine thread-pool tasks may not start within
        // the writer's churn at all (seen: "0 lookups" while other test classes held the pool).
        using var running = new CountdownEvent(3);
        var readers = Enumerable.Range(0, 3).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            running.Signal();
            while (Volatile.Read(ref stop) == 0)
            {
                var va = 0x100000 + (ulong)random.Next(0, 64 * 0x1000);
                var found = translation.TryFind(va, 1, out var entry);
                if (found && (entry.Iova != 3 * entry.Va || !entry.Covers(va, 1))) Interlocked.Increment(ref bad);
                var stable = (va - 0x100000) / Page % 2 == 0;
                if (stable && !found) Interlocked.Increment(ref bad);
                Interlocked.Increment(ref lookups);
            }
        }) { IsBackground = true }).ToArray();
        foreach (var reader in readers) reader.Start();
        Assert.True(running.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the reader threads did not start within 30 s");
        var writer = new Random(42);
        var churn = System.Diagnostics.Stopwatch.StartNew();
        // at least 1 s and enough lookups interleaved with the writes, however slow the machine is (bounded)
        while ((churn.Elapsed < TimeSpan.FromSeconds(1) || Interlocked.Read(ref lookups) < EnoughLookups) && churn.Elapsed < TimeSpan.FromSeconds(60))
        {
            var va = 0x100000 + ((ulong)writer.Next(0, 32) * 2 + 1) * Page; // the odd pages come and go
            if (translation.IsFree(va, Page)) translation.Add(new TranslationEntry(va, Page, 3 * va, 0));
            else translation.Remove(va);
        }
        Volatile.Write(ref stop, 1);
        foreach (var reader in readers) reader.Join();
        Assert.Equal(0, bad);
        Assert.True(lookups >= EnoughLookups, $"only {lookups} lookups ran in {churn.Elapsed.TotalSeconds:F0} s of writes");
    }
}
