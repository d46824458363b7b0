using System.Threading;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public class WorkspacePoolTests
{
    [Fact]
    public void The_first_thread_keeps_its_own_workspace_and_others_share_the_slots()
    {
        var pool = new WorkspacePool<object>();
        Assert.Null(pool.Rent(out int ownerSlot));
        Assert.Equal(-1, ownerSlot);
        var owned = new object();
        pool.Return(owned, ownerSlot);
        Assert.Same(owned, pool.Rent(out ownerSlot));

        object? fromOther = null, again = null;
        var shared = new object();
        var other = new Thread(() =>
        {
            fromOther = pool.Rent(out int slot);
            Assert.True(slot >= 0);
            pool.Return(shared, slot);
            again = pool.Rent(out _);
        });
        other.Start();
        other.Join();
        Assert.Null(fromOther); // nothing pooled yet: the caller makes one
        Assert.Same(shared, again); // and gets it back next time
        // The owner's workspace was never handed to the other thread.
        pool.Return(owned, ownerSlot);
        Assert.Same(owned, pool.Rent(out _));
    }

    [Fact]
    public void Concurrent_renters_never_get_the_same_workspace()
    {
        var pool = new WorkspacePool<int[]>();
        int clashes = 0;
        var threads = new Thread[8];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < 20_000; i++)
                {
                    var item = pool.Rent(out int slot) ?? new int[1];
                    if (Interlocked.Increment(ref item[0]) != 1) Interlocked.Increment(ref clashes);
                    Interlocked.Decrement(ref item[0]);
                    pool.Return(item, slot);
                }
            });
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        Assert.Equal(0, clashes);
    }
}
