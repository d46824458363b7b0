using System;
using System.Threading;

namespace Compiled.Nets;

/// <summary>
/// The working memory of concurrent inference calls on one network: a few slots that threads take a workspace from and
/// put it back into, without locks. A thread starts at the slot its id picks, so threads rarely meet; when every slot
/// is empty the caller makes a new workspace, which joins the pool on return (and is dropped when the pool is full).
/// Used by generated networks; one uncontended rent and return cost two atomic operations.
/// </summary>
public sealed class WorkspacePool<T> where T : class
{
    private readonly T?[] _slots = new T?[Math.Max(16, 2 * Environment.ProcessorCount)];

    /// <summary>A pooled workspace, or null when none is free; <paramref name="slot"/> is where to return it.</summary>
    public T? Rent(out int slot)
    {
        int start = (int)((uint)Environment.CurrentManagedThreadId % (uint)_slots.Length);
        for (int i = 0; i < _slots.Length; i++)
        {
            int at = start + i < _slots.Length ? start + i : start + i - _slots.Length;
            if (Volatile.Read(ref _slots[at]) is null) continue;
            var item = Interlocked.Exchange(ref _slots[at], null);
            if (item is not null)
            {
                slot = at;
                return item;
            }
        }
        slot = start;
        return null;
    }

    /// <summary>Puts <paramref name="item"/> back, into <paramref name="slot"/> if it is free, else into any free slot.</summary>
    public void Return(T item, int slot)
    {
        if (Interlocked.CompareExchange(ref _slots[slot], item, null) is null) return;
        for (int i = 0; i < _slots.Length; i++)
            if (Interlocked.CompareExchange(ref _slots[i], item, null) is null) return;
    }
}
