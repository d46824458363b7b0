using System;
using System.Buffers.Binary;
using System.Text;

namespace Compiled.Nets.Onnx;

/// <summary>
/// The protocol-buffer wire format, as much of it as an ONNX model needs: varints (wire type 0), 32-bit floats
/// (wire type 5) and length-delimited bytes, strings and nested messages (wire type 2). A nested message is written
/// into a writer of its own and then copied in behind its length, so no size has to be known in advance.
/// </summary>
internal sealed class ProtoWriter
{
    private byte[] _buffer = new byte[256];
    private int _length;

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            long wanted = Math.Max((long)_buffer.Length * 2, (long)_length + count);
            if (wanted > Array.MaxLength)
                throw new InvalidOperationException($"The ONNX model would exceed {Array.MaxLength} bytes; protocol buffers are limited to 2 GB.");
            Array.Resize(ref _buffer, (int)wanted);
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void Varint(ulong value)
    {
        Span<byte> bytes = stackalloc byte[10];
        int n = 0;
        while (value >= 0x80)
        {
            bytes[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        bytes[n++] = (byte)value;
        bytes.Slice(0, n).CopyTo(Reserve(n));
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    /// <summary>An int64, int32 or enum field; negative values take ten bytes (two's complement), as protobuf's int64 does.</summary>
    public void Int64(int field, long value)
    {
        Tag(field, 0);
        Varint(unchecked((ulong)value));
    }

    public void Float(int field, float value)
    {
        Tag(field, 5);
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    public void String(int field, string value)
    {
        Tag(field, 2);
        int count = Encoding.UTF8.GetByteCount(value);
        Varint((ulong)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    public void Message(int field, ProtoWriter message) => Bytes(field, message.Written);

    /// <summary>A length-delimited field whose payload is floats, little-endian (TensorProto.raw_data).</summary>
    public void Floats(int field, ReadOnlySpan<float> values)
    {
        Tag(field, 2);
        Varint((ulong)values.Length * 4);
        var target = Reserve(checked(values.Length * 4));
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(target.Slice(4 * i), values[i]);
    }

    /// <summary>A length-delimited field whose payload is int64s, little-endian (TensorProto.raw_data).</summary>
    public void Int64s(int field, ReadOnlySpan<long> values)
    {
        Tag(field, 2);
        Varint((ulong)values.Length * 8);
        var target = Reserve(checked(values.Length * 8));
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(target.Slice(8 * i), values[i]);
    }
}
