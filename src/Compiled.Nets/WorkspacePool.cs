using System.ComponentModel;
using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// The working memory of concurrent inference calls on one network. The first thread to run inference becomes the
/// pool's owner and keeps one workspace for itself, reached with no atomic operation: a network used from one thread
/// pays nothing for being thread-safe. Other threads take a workspace from a few slots and put it back, without
/// locks; a thread starts at the slot its id picks, so threads rarely meet. When every slot is empty the caller makes
/// a new workspace, which joins the pool on return (and is dropped when the pool is full). Used by generated networks.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WorkspacePool<T> where T : class
{
    /// <summary>Returned as the slot of the owner's workspace.</summary>
    private const int OwnerSlot = -1;

    private readonly T?[] _slots = new T?[Math.Max(16, 2 * Environment.ProcessorCount)];
    /// <summary>The owner thread's managed id (0: none yet). Only that thread reads or writes <see cref="_owned"/>.</summary>
    private int _owner;
    private T? _owned;

    /// <summary>A workspace for this thread, or null when none is free (make one); <paramref name="slot"/> is where to return it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T? Rent(out int slot)
    {
        int thread = Environment.CurrentManagedThreadId;
        if (thread == _owner)
        {
            slot = OwnerSlot;
            return _owned;
        }
        return RentShared(thread, out slot);
    }

    private T? RentShared(int thread, out int slot)
    {
        // A thread id is unique among live threads, so at most one thread at a time owns the private workspace.
        if (Volatile.Read(ref _owner) == 0 && Interlocked.CompareExchange(ref _owner, thread, 0) == 0)
        {
            slot = OwnerSlot;
            return _owned;
        }
        int start = (int)((uint)thread % (uint)_slots.Length);
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

    /// <summary>Puts <paramref name="item"/> back where <see cref="Rent"/> said, or into any free slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Return(T item, int slot)
    {
        if (slot == OwnerSlot) _owned = item;
        else ReturnShared(item, slot);
    }

    private void ReturnShared(T item, int slot)
    {
        if (Interlocked.CompareExchange(ref _slots[slot], item, null) is null) return;
        for (int i = 0; i < _slots.Length; i++)
            if (Interlocked.CompareExchange(ref _slots[i], item, null) is null) return;
    }
}
