using Linux.Iommu.DriverKit;

namespace Linux.Iommu.Tests.DriverKit;

/// <summary>Lock-free lookups while one writer adds and removes entries: a reader never sees a torn or stale-inconsistent
/// entry (every hit satisfies the writer's invariant IOVA = 3 × VA and covers the address), and entries that are never
/// removed are always found.</summary>
public sealed class IovaTranslationConcurrencyTests
{
    [Fact]
    public async Task Readers_on_other_threads_see_only_whole_entries_while_a_writer_churns()
    {
        const ulong Page = 0x1000;
        var translation = new IovaTranslation();
        for (ulong i = 0; i < 64; i += 2) translation.Add(new TranslationEntry(0x100000 + i * Page, Page, 3 * (0x100000 + i * Page), 0)); // stable ones
        using var stop = new CancellationTokenSource();
        long lookups = 0, bad = 0;
        var readers = Enumerable.Range(0, 3).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                var va = 0x100000 + (ulong)random.Next(0, 64 * 0x1000);
                var found = translation.TryFind(va, 1, out var entry);
                if (found && (entry.Iova != 3 * entry.Va || !entry.Covers(va, 1))) Interlocked.Increment(ref bad);
                var stable = (va - 0x100000) / Page % 2 == 0;
                if (stable && !found) Interlocked.Increment(ref bad);
                Interlocked.Increment(ref lookups);
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        var writer = new Random(42);
        var deadline = DateTime.UtcNow.AddSeconds(1);
        while (DateTime.UtcNow < deadline)
        {
            var va = 0x100000 + ((ulong)writer.Next(0, 32) * 2 + 1) * Page; // the odd pages come and go
            if (translation.IsFree(va, Page)) translation.Add(new TranslationEntry(va, Page, 3 * va, 0));
            else translation.Remove(va);
        }
        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Equal(0, bad);
        Assert.True(lookups > 1000, $"only {lookups} lookups ran");
    }
}
