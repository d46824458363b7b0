using System;
using System.IO;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// A read-only stream over bytes that cannot seek or tell its length, and hands out at most
/// <c>chunk</c> bytes per read, as a network or pipe would: what Load(Stream) must cope with.
/// </summary>
internal sealed class ForwardOnlyStream : Stream
{
    private readonly byte[] _bytes;
    private readonly int _chunk;
    private int _position;

    public ForwardOnlyStream(byte[] bytes, int chunk)
    {
        _bytes = bytes;
        _chunk = chunk;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(buffer.Length, _chunk), _bytes.Length - _position);
        _bytes.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
