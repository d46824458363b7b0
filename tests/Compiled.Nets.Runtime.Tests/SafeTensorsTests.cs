using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Compiled.Nets.IO;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Tensors named <paramref name="names"/> with the given shapes, laid out one after another in one arena.</summary>
    private static (NamedTensor[] Tensors, float[] Arena) Arena(params (string Name, int[] Shape)[] specs)
    {
        int total = specs.Sum(s => s.Shape.Aggregate(1, (a, b) => a * b));
        var arena = new float[total];
        var tensors = new NamedTensor[specs.Length];
        int offset = 0;
        for (int i = 0; i < specs.Length; i++)
        {
            tensors[i] = new NamedTensor(specs[i].Name, specs[i].Shape, arena, offset);
            offset += tensors[i].Length;
        }
        return (tensors, arena);
    }

    private static void Fill(float[] arena, int seed)
    {
        var random = new SeededRandom(seed);
        for (int i = 0; i < arena.Length; i++) arena[i] = random.NextGaussian();
    }

    /// <summary>Writes a safetensors file by hand: the length prefix, <paramref name="header"/> as given, then <paramref name="data"/>.</summary>
    private static void WriteRaw(string path, string header, byte[] data, ulong? lengthPrefix = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, lengthPrefix ?? (ulong)json.Length);
        stream.Write(prefix);
        stream.Write(json);
        stream.Write(data);
    }

    private static byte[] FloatBytes(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    /// <summary>Asserts that loading <paramref name="path"/> is refused with a message naming the file, and that nothing was written.</summary>
    private static InvalidDataException AssertRefused(IReadOnlyList<NamedTensor> tensors, float[] arena, string path)
    {
        Array.Fill(arena, 42f);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(tensors, path));
        Assert.Contains(path, e.Message);
        Assert.All(arena, v => Assert.Equal(42f, v));
        return e;
    }

    [Fact]
    public void Round_trip_restores_every_value()
    {
        var (source, sourceArena) = Arena(("Hidden.weight", new[] { 5, 3 }), ("Hidden.bias", new[] { 5 }), ("Output.weight", new[] { 2, 5 }), ("Output.bias", new[] { 2 }), ("scale", Array.Empty<int>()));
        Fill(sourceArena, 1);
        sourceArena[0] = float.Epsilon;
        sourceArena[1] = -0f;
        sourceArena[2] = float.MaxValue;
        string path = _dir.File("net.safetensors");
        SafeTensors.Save(source, path);

        var (destination, destinationArena) = Arena(("Hidden.weight", new[] { 5, 3 }), ("Hidden.bias", new[] { 5 }), ("Output.weight", new[] { 2, 5 }), ("Output.bias", new[] { 2 }), ("scale", Array.Empty<int>()));
        SafeTensors.Load(destination, path);
        // Bit for bit, so that -0 and denormals count too.
        Assert.Equal(sourceArena.Select(BitConverter.SingleToInt32Bits), destinationArena.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Load_follows_the_offsets_whatever_order_the_file_has()
    {
        var (tensors, arena) = Arena(("a", new[] { 2 }), ("b", new[] { 1 }));
        string path = _dir.File("reordered.safetensors");
        WriteRaw(path, "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", FloatBytes(3f, 1f, 2f));
        SafeTensors.Load(tensors, path);
        Assert.Equal(new[] { 1f, 2f, 3f }, arena);
    }

    [Fact]
    public void A_tiny_file_has_exactly_the_expected_bytes()
    {
        var tensor = new NamedTensor("a", new[] { 2 }, new[] { 1f, 2f }, 0);
        string path = _dir.File("a.safetensors");
        SafeTensors.Save(new[] { tensor }, path);

        byte[] bytes = File.ReadAllBytes(path);
        const string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"; // 54 bytes
        // 54 bytes of JSON + 2 spaces = 56, so the data starts at 8 + 56 = 64, a multiple of 8.
        Assert.Equal(8 + 56 + 8, bytes.Length);
        Assert.Equal(new byte[] { 56, 0, 0, 0, 0, 0, 0, 0 }, bytes[..8]);
        Assert.Equal(json + "  ", Encoding.UTF8.GetString(bytes, 8, 56));
        Assert.Equal(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40 }, bytes[64..]);
    }

    [Fact]
    public void The_data_section_is_always_8_byte_aligned()
    {
        for (int nameLength = 1; nameLength <= 9; nameLength++)
        {
            var tensor = new NamedTensor(new string('x', nameLength), new[] { 3 }, new[] { 1f, 2f, 3f }, 0);
            string path = _dir.File($"align{nameLength}.safetensors");
            SafeTensors.Save(new[] { tensor }, path);
            byte[] bytes = File.ReadAllBytes(path);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0UL, (8 + n) % 8);
            Assert.Equal(8 + (long)n + 12, bytes.Length);
        }
    }

    [Fact]
    public void Metadata_is_written_and_read_back()
    {
        var tensor = new NamedTensor("a", new[] { 1 }, new[] { 5f }, 0);
        string with = _dir.File("with.safetensors"), without = _dir.File("without.safetensors");
        SafeTensors.Save(new[] { tensor }, with, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" });
        SafeTensors.Save(new[] { tensor }, without);

        var metadata = SafeTensors.ReadMetadata(with);
        Assert.Equal(2, metadata.Count);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal("ünïcode \"quoted\"", metadata["note"]);
        Assert.Empty(SafeTensors.ReadMetadata(without));

        var destination = new NamedTensor("a", new[] { 1 }, new float[1], 0);
        SafeTensors.Load(new[] { destination }, with); // metadata is not taken for a tensor
        Assert.Equal(5f, destination.Values[0]);
    }

    [Fact]
    public void Duplicate_names_are_refused_on_save()
    {
        var storage = new float[2];
        var tensors = new[] { new NamedTensor("a", new[] { 1 }, storage, 0), new NamedTensor("a", new[] { 1 }, storage, 1) };
        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Save(tensors, _dir.File("dup.safetensors")));
        Assert.Contains("'a'", e.Message);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void A_missing_tensor_is_refused()
    {
        var (saved, savedArena) = Arena(("Hidden.weight", new[] { 2, 2 }), ("Hidden.bias", new[] { 2 }));
        Fill(savedArena, 2);
        string path = _dir.File("missing.safetensors");
        SafeTensors.Save(saved, path);

        var (tensors, arena) = Arena(("Hidden.weight", new[] { 2, 2 }), ("Hidden.bias", new[] { 2 }), ("Output.weight", new[] { 1, 2 }), ("Output.bias", new[] { 1 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("missing", e.Message);
        Assert.Contains("'Output.weight'", e.Message);
        Assert.Contains("'Output.bias'", e.Message);
        Assert.DoesNotContain("unexpected", e.Message);
    }

    [Fact]
    public void An_unexpected_tensor_is_refused()
    {
        var (saved, savedArena) = Arena(("Hidden.weight", new[] { 2, 2 }), ("Hidden.bias", new[] { 2 }), ("Extra.weight", new[] { 3 }));
        Fill(savedArena, 3);
        string path = _dir.File("unexpected.safetensors");
        SafeTensors.Save(saved, path);

        var (tensors, arena) = Arena(("Hidden.weight", new[] { 2, 2 }), ("Hidden.bias", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("unexpected", e.Message);
        Assert.Contains("'Extra.weight'", e.Message);
        Assert.DoesNotContain("missing", e.Message);
    }

    [Fact]
    public void Missing_and_unexpected_tensors_are_listed_together()
    {
        var (saved, _) = Arena(("a", new[] { 1 }), ("b", new[] { 1 }));
        string path = _dir.File("both.safetensors");
        SafeTensors.Save(saved, path);

        var (tensors, arena) = Arena(("a", new[] { 1 }), ("c", new[] { 1 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("missing tensor(s) 'c'", e.Message);
        Assert.Contains("unexpected tensor(s) 'b'", e.Message);
    }

    [Fact]
    public void A_wrong_shape_is_refused_with_both_shapes()
    {
        var (saved, _) = Arena(("Hidden.weight", new[] { 64, 784 }), ("Hidden.bias", new[] { 64 }));
        string path = _dir.File("shape.safetensors");
        SafeTensors.Save(saved, path);

        var (tensors, arena) = Arena(("Hidden.weight", new[] { 128, 784 }), ("Hidden.bias", new[] { 128 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("tensor 'Hidden.weight' has shape [64, 784] in the file, but the network needs [128, 784]", e.Message);
    }

    [Fact]
    public void A_transposed_shape_with_the_same_length_is_refused()
    {
        var (saved, _) = Arena(("w", new[] { 2, 3 }));
        string path = _dir.File("transposed.safetensors");
        SafeTensors.Save(saved, path);

        var (tensors, arena) = Arena(("w", new[] { 3, 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[3, 2]", e.Message);
    }

    [Fact]
    public void A_dtype_other_than_F32_is_refused()
    {
        string path = _dir.File("f16.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[] { 0x00, 0x3C, 0x00, 0x40 });
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("'a'", e.Message);
        Assert.Contains("F16", e.Message);
    }

    [Fact]
    public void A_truncated_file_is_refused_with_expected_and_actual_bytes()
    {
        var (saved, savedArena) = Arena(("a", new[] { 2 }), ("b", new[] { 3 }));
        Fill(savedArena, 4);
        string path = _dir.File("truncated.safetensors");
        SafeTensors.Save(saved, path);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length - 4);

        var (tensors, arena) = Arena(("a", new[] { 2 }), ("b", new[] { 3 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("20", e.Message); // 5 floats described
        Assert.Contains("16", e.Message); // 4 floats present
    }

    [Fact]
    public void A_header_that_is_not_json_is_refused()
    {
        string path = _dir.File("corrupt.safetensors");
        WriteRaw(path, "this is not JSON at all!", new byte[8]);
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void A_header_that_is_json_but_not_an_object_is_refused()
    {
        string path = _dir.File("array.safetensors");
        WriteRaw(path, "[1, 2, 3]", new byte[8]);
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("not a JSON object", e.Message);
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_refused()
    {
        string path = _dir.File("long-header.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8], lengthPrefix: 1_000_000);
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("1000000", e.Message);
    }

    [Fact]
    public void A_huge_header_length_is_refused_without_overflow()
    {
        string path = _dir.File("huge-header.safetensors");
        WriteRaw(path, "{}", Array.Empty<byte>(), lengthPrefix: ulong.MaxValue);
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        AssertRefused(tensors, arena, path);
    }

    [Fact]
    public void A_file_shorter_than_the_length_prefix_is_refused()
    {
        string path = _dir.File("tiny.safetensors");
        File.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("3 byte(s)", e.Message);
    }

    [Fact]
    public void An_entry_without_data_offsets_is_refused()
    {
        string path = _dir.File("no-offsets.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8]);
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("data_offsets", e.Message);
    }

    [Fact]
    public void Offsets_that_disagree_with_the_shape_are_refused()
    {
        string path = _dir.File("bad-offsets.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", new byte[12]);
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("needs 8 bytes", e.Message);
    }

    [Fact]
    public void A_refused_file_in_the_middle_of_the_list_changes_no_tensor()
    {
        // The first tensor is fine and the second is not: the first must not have been written either.
        string path = _dir.File("half-good.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", FloatBytes(1f, 2f));
        var (tensors, arena) = Arena(("a", new[] { 1 }), ("b", new[] { 2 }));
        AssertRefused(tensors, arena, path);
    }

    [Fact]
    public void Save_leaves_no_temporary_file_behind()
    {
        var (tensors, arena) = Arena(("a", new[] { 10 }));
        Fill(arena, 5);
        string path = _dir.File("clean.safetensors");
        SafeTensors.Save(tensors, path);
        SafeTensors.Save(tensors, path);
        Assert.Equal(new[] { path }, Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Save_replaces_an_existing_file_whole()
    {
        string path = _dir.File("replace.safetensors");
        File.WriteAllBytes(path, Enumerable.Repeat((byte)0xAB, 10_000).ToArray());
        var tensor = new NamedTensor("a", new[] { 2 }, new[] { 1f, 2f }, 0);
        SafeTensors.Save(new[] { tensor }, path);

        Assert.Equal(72, new FileInfo(path).Length); // nothing of the old, longer file remains
        var destination = new NamedTensor("a", new[] { 2 }, new float[2], 0);
        SafeTensors.Load(new[] { destination }, path);
        Assert.Equal(new[] { 1f, 2f }, destination.Values.ToArray());
    }

    [Fact]
    public void A_failed_save_deletes_its_temporary_file()
    {
        // The target is a directory, so the final rename fails after the temporary file was written.
        string path = _dir.File("occupied");
        Directory.CreateDirectory(path);
        var tensor = new NamedTensor("a", new[] { 2 }, new[] { 1f, 2f }, 0);
        Assert.ThrowsAny<Exception>(() => SafeTensors.Save(new[] { tensor }, path));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    // ---- the format's rules (issue 11) ----

    private const string A2 = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    [Fact]
    public void Overlapping_tensors_are_refused()
    {
        // b reuses a's last float: each is the right size, but together they do not tile the data section.
        string path = _dir.File("overlap.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", FloatBytes(1f, 2f, 3f));
        var (tensors, arena) = Arena(("a", new[] { 2 }), ("b", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("tensor 'b' at data_offsets [4, 12] overlaps tensor 'a' at [0, 8]", e.Message);
    }

    [Fact]
    public void A_hole_between_tensors_is_refused()
    {
        string path = _dir.File("hole.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", FloatBytes(1f, 2f, 3f));
        var (tensors, arena) = Arena(("a", new[] { 1 }), ("b", new[] { 1 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("bytes [4, 8) of the data section belong to no tensor", e.Message);
    }

    [Fact]
    public void A_data_section_that_does_not_start_with_a_tensor_is_refused()
    {
        string path = _dir.File("late-start.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", FloatBytes(0f, 1f, 2f));
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("bytes [0, 4)", e.Message);
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_refused()
    {
        string path = _dir.File("trailing.safetensors");
        WriteRaw(path, "{" + A2 + "}", FloatBytes(1f, 2f, 3f));
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("4 byte(s) after the last tensor's data", e.Message);
    }

    [Fact]
    public void A_header_length_that_cuts_into_the_padding_is_refused()
    {
        // The user's report: Save pads the header with spaces; lowering the length by 4 left valid JSON, and every
        // tensor was read 4 bytes early. The data section starts at 8 + N, so it now holds 4 bytes too many.
        var tensor = new NamedTensor("a", new[] { 2 }, new[] { 1f, 2f }, 0);
        string path = _dir.File("short-length.safetensors");
        SafeTensors.Save(new[] { tensor }, path, new Dictionary<string, string> { ["k"] = "vvvv" });
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal("    ", Encoding.ASCII.GetString(bytes, 8 + (int)n - 4, 4)); // at least four spaces of padding
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, n - 4);
        File.WriteAllBytes(path, bytes);

        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("4 byte(s) after the last tensor's data", e.Message);
    }

    [Fact]
    public void Invalid_utf8_in_the_header_is_refused_as_invalid_data()
    {
        string path = _dir.File("utf8.safetensors");
        byte[] json = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":{\"note\":\"xx\"}}");
        int x = Array.IndexOf(json, (byte)'x');
        json[x] = 0xC3; // a lead byte followed by an ASCII 'x': not UTF-8
        using (var stream = File.Create(path))
        {
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
            stream.Write(prefix);
            stream.Write(json);
            stream.Write(FloatBytes(1f, 2f));
        }
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.Contains($"byte {8 + x}", e.Message);
    }

    [Fact]
    public void An_escaped_lone_surrogate_is_refused_as_invalid_data()
    {
        string path = _dir.File("surrogate.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":{\"note\":\"\\uD800\"}}", FloatBytes(1f, 2f));
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains("not valid Unicode", e.Message);
    }

    [Theory]
    [InlineData("{" + A2 + "," + A2 + "}", "lists 'a' twice")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "lists 'dtype' twice")]
    [InlineData("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}," + A2 + "}", "lists 'k' twice")]
    [InlineData("{\"\\u0061\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," + A2 + "}", "lists 'a' twice")]
    public void Duplicate_keys_are_refused(string header, string expected)
    {
        string path = _dir.File("duplicate.safetensors");
        WriteRaw(path, header, FloatBytes(1f, 2f));
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        Assert.Contains(expected, AssertRefused(tensors, arena, path).Message);
    }

    [Theory]
    [InlineData(" {" + A2 + "}", "does not begin with '{'")]
    [InlineData("\uFEFF{" + A2 + "}", "not valid JSON")] // a byte order mark
    [InlineData("{" + A2 + "}\n", "0x0A after its JSON object")]
    [InlineData("{" + A2 + "}\t ", "0x09 after its JSON object")]
    [InlineData("{" + A2 + "}\0", "not valid JSON")]
    public void Only_spaces_may_pad_the_header(string header, string expected)
    {
        string path = _dir.File("padding.safetensors");
        WriteRaw(path, header, FloatBytes(1f, 2f));
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        Assert.Contains(expected, AssertRefused(tensors, arena, path).Message);
    }

    [Fact]
    public void Whitespace_inside_the_header_and_spaces_after_it_are_accepted()
    {
        string path = _dir.File("pretty.safetensors");
        WriteRaw(path, "{\n  \"a\": {\n\t\"dtype\": \"F32\", \"shape\": [ 2 ], \"data_offsets\": [ 0, 8 ]\r\n  }\n}           ", FloatBytes(1f, 2f));
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        SafeTensors.Load(tensors, path);
        Assert.Equal(new[] { 1f, 2f }, arena);
    }

    [Theory]
    [InlineData("{\"__metadata__\":{\"epoch\":3}," + A2 + "}", "metadata value 'epoch' is not a string")]
    [InlineData("{\"__metadata__\":{\"k\":null}," + A2 + "}", "metadata value 'k' is not a string")]
    [InlineData("{\"__metadata__\":[\"k\"]," + A2 + "}", "__metadata__ is not a JSON object")]
    [InlineData("{\"__metadata__\":null," + A2 + "}", "__metadata__ is not a JSON object")]
    public void Metadata_must_map_strings_to_strings_on_load_too(string header, string expected)
    {
        string path = _dir.File("metadata.safetensors");
        WriteRaw(path, header, FloatBytes(1f, 2f));
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        Assert.Contains(expected, AssertRefused(tensors, arena, path).Message);
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => SafeTensors.ReadMetadata(path)).Message);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", "unknown field 'extra'")]
    [InlineData("{\"a\":{\"dtype\":\"Q32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown dtype 'Q32'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", "not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}", "array of two numbers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "end before they begin")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}}", "not a non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", "overflows 64 bits")]
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", "dtype F16 needs 4 bytes")]
    [InlineData("{\"a\":[]}", "entry for tensor 'a' is not a JSON object")]
    public void Malformed_entries_are_refused(string header, string expected)
    {
        string path = _dir.File("entry.safetensors");
        WriteRaw(path, header, FloatBytes(1f, 2f));
        var (tensors, arena) = Arena(("a", new[] { 2 }));
        Assert.Contains(expected, AssertRefused(tensors, arena, path).Message);
    }

    [Theory]
    [InlineData(0x7FC00000, "NaN")]
    [InlineData(0x7F800000, "+infinity")]
    [InlineData(unchecked((int)0xFF800000), "-infinity")]
    [InlineData(unchecked((int)0xFFC00001), "NaN")] // a negative NaN with payload
    public void Non_finite_values_are_refused_by_tensor_and_element(int bits, string what)
    {
        string path = _dir.File("non-finite.safetensors");
        WriteRaw(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,16]}}",
            FloatBytes(1f, 2f, 3f, BitConverter.Int32BitsToSingle(bits)));
        var (tensors, arena) = Arena(("a", new[] { 1 }), ("b", new[] { 3 }));
        var e = AssertRefused(tensors, arena, path);
        Assert.Contains($"tensor 'b' holds {what} at element 2", e.Message);
    }

    // ---- streams ----

    [Fact]
    public void Stream_round_trip_writes_the_same_bytes_as_a_file()
    {
        var (source, sourceArena) = Arena(("w", new[] { 3, 2 }), ("b", new[] { 3 }));
        Fill(sourceArena, 6);
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        string path = _dir.File("same.safetensors");
        SafeTensors.Save(source, path, metadata);
        var memory = new MemoryStream();
        memory.WriteByte(0x55); // the stream overloads start where the stream is
        SafeTensors.Save(source, memory, metadata);
        Assert.Equal(File.ReadAllBytes(path), memory.ToArray()[1..]);

        var (destination, destinationArena) = Arena(("w", new[] { 3, 2 }), ("b", new[] { 3 }));
        memory.Position = 1;
        SafeTensors.Load(destination, memory);
        Assert.Equal(sourceArena, destinationArena);
        Assert.True(memory.CanRead); // left open
    }

    [Fact]
    public void A_non_seekable_stream_loads_front_to_back()
    {
        var (source, sourceArena) = Arena(("w", new[] { 3, 2 }), ("b", new[] { 3 }), ("s", Array.Empty<int>()));
        Fill(sourceArena, 7);
        var memory = new MemoryStream();
        SafeTensors.Save(source, memory);
        var (destination, destinationArena) = Arena(("w", new[] { 3, 2 }), ("b", new[] { 3 }), ("s", Array.Empty<int>()));
        SafeTensors.Load(destination, new ForwardOnlyStream(memory.ToArray(), chunk: 3));
        Assert.Equal(sourceArena, destinationArena);
    }

    [Theory]
    [InlineData(-4, "truncated")]
    [InlineData(+4, "after the last tensor's data")]
    [InlineData(-100, "truncated")]
    public void A_non_seekable_stream_of_the_wrong_length_is_refused(int change, string expected)
    {
        var (source, _) = Arena(("w", new[] { 3, 2 }), ("b", new[] { 3 }));
        var memory = new MemoryStream();
        SafeTensors.Save(source, memory);
        byte[] bytes = memory.ToArray();
        Array.Resize(ref bytes, bytes.Length + change);
        var (destination, arena) = Arena(("w", new[] { 3, 2 }), ("b", new[] { 3 }));
        Array.Fill(arena, 42f);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(destination, new ForwardOnlyStream(bytes, chunk: 5)));
        Assert.StartsWith("Weight stream", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.All(arena, v => Assert.Equal(42f, v));
    }

    // ---- temporary files of killed saves ----

    /// <summary>Names next to target.safetensors that are not its temporary files: Save must never touch them.</summary>
    private static readonly string[] NotOurTemporaryFiles =
    {
        "target.safetensors.tmp-0123456789a",      // 11 digits
        "target.safetensors.tmp-0123456789abc",    // 13 digits
        "target.safetensors.tmp-0123456789AB",     // Save writes lowercase
        "target.safetensors.tmp-0123456789ag",     // not hex
        "target.safetensors.tmp-0123456789ab.bak",
        "xtarget.safetensors.tmp-0123456789ab",    // another file's
        "other.safetensors.tmp-0123456789ab",
        "other.safetensors",
    };

    private static void MakeOld(string path) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow - TimeSpan.FromMinutes(5));

    [Fact]
    public void Save_removes_stale_temporary_files_of_its_path_and_nothing_else()
    {
        string target = _dir.File("target.safetensors");
        string stale1 = target + ".tmp-0123456789ab", stale2 = target + ".tmp-fedcba987654";
        foreach (string name in new[] { stale1, stale2 })
        {
            File.WriteAllBytes(name, new byte[] { 1, 2, 3 });
            MakeOld(name);
        }
        var others = NotOurTemporaryFiles.Select(_dir.File).ToList();
        foreach (string other in others)
        {
            File.WriteAllBytes(other, new byte[] { 4 });
            MakeOld(other);
        }

        SafeTensors.Save(new[] { new NamedTensor("a", new[] { 1 }, new[] { 1f }, 0) }, target);
        Assert.False(File.Exists(stale1));
        Assert.False(File.Exists(stale2));
        Assert.All(others, other => Assert.True(File.Exists(other), other));
        Assert.True(File.Exists(target));
    }

    [Fact]
    public void Save_keeps_a_temporary_file_that_is_recent_or_held_open()
    {
        string target = _dir.File("busy.safetensors");
        string recent = target + ".tmp-aaaaaaaaaaaa", held = target + ".tmp-bbbbbbbbbbbb";
        File.WriteAllBytes(recent, new byte[] { 1 });
        File.WriteAllBytes(held, new byte[] { 2 });
        MakeOld(held);
        // As a save in progress holds its temporary file.
        using (new FileStream(held, FileMode.Open, FileAccess.Write, FileShare.None))
            SafeTensors.Save(new[] { new NamedTensor("a", new[] { 1 }, new[] { 1f }, 0) }, target);
        Assert.True(File.Exists(recent));
        Assert.True(File.Exists(held));

        SafeTensors.Save(new[] { new NamedTensor("a", new[] { 1 }, new[] { 1f }, 0) }, target);
        Assert.True(File.Exists(recent)); // still recent
        Assert.False(File.Exists(held));  // old and no longer held
    }

    [Fact]
    public void Loading_a_file_that_does_not_exist_names_it()
    {
        string path = _dir.File("nowhere.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(Array.Empty<NamedTensor>(), path));
        Assert.Contains(path, e.Message);
    }
}
