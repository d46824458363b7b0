using System;
using System.IO;
using Compiled.Nets.IO;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>Loading by matching names (load_state_dict(strict=False)): a pre-trained encoder into a classifier.</summary>
public class MatchingLoadTests
{
    private static NamedTensor Tensor(string name, int[] shape, float start)
    {
        int length = 1;
        foreach (int d in shape) length *= d;
        var storage = new float[length];
        for (int i = 0; i < length; i++) storage[i] = start + i;
        return new NamedTensor(name, shape, storage, 0);
    }

    [Fact]
    public void Only_the_shared_names_are_loaded_from_a_file_and_the_rest_stay()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "autoencoder.safetensors");
        SafeTensors.Save(new[] { Tensor("Encoder.weight", new[] { 2, 3 }, 1f), Tensor("Encoder.bias", new[] { 2 }, 10f), Tensor("Decoder.weight", new[] { 3, 2 }, 20f) }, path);
        var classifier = new[] { Tensor("Encoder.weight", new[] { 2, 3 }, -1f), Tensor("Encoder.bias", new[] { 2 }, -1f), Tensor("Head.weight", new[] { 1, 2 }, -5f) };
        var loaded = SafeTensors.LoadMatching(classifier, path);
        Assert.Equal(new[] { "Encoder.weight", "Encoder.bias" }, loaded);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, classifier[0].Values.ToArray());
        Assert.Equal(new[] { 10f, 11f }, classifier[1].Values.ToArray());
        Assert.Equal(new[] { -5f, -4f }, classifier[2].Values.ToArray());
    }

    [Fact]
    public void A_shared_name_of_another_shape_or_no_shared_name_is_refused_and_nothing_changes()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "w.safetensors");
        SafeTensors.Save(new[] { Tensor("A.weight", new[] { 2 }, 1f), Tensor("B.weight", new[] { 3 }, 1f) }, path);
        var wrongShape = new[] { Tensor("A.weight", new[] { 2 }, -1f), Tensor("B.weight", new[] { 4 }, -1f) };
        var refused = Assert.Throws<InvalidDataException>(() => SafeTensors.LoadMatching(wrongShape, path));
        Assert.Contains("B.weight", refused.Message);
        Assert.Equal(new[] { -1f, 0f }, wrongShape[0].Values.ToArray());
        Assert.Throws<InvalidDataException>(() => SafeTensors.LoadMatching(new[] { Tensor("C.weight", new[] { 2 }, 0f) }, path));
    }

    [Fact]
    public void Copying_between_networks_takes_the_shared_names_and_checks_shapes_first()
    {
        var source = new[] { Tensor("Encoder.weight", new[] { 2 }, 7f), Tensor("Decoder.weight", new[] { 2 }, 9f) };
        var destination = new[] { Tensor("Encoder.weight", new[] { 2 }, 0f), Tensor("Head.weight", new[] { 2 }, 0f) };
        Assert.Equal(new[] { "Encoder.weight" }, SafeTensors.CopyMatching(source, destination));
        Assert.Equal(new[] { 7f, 8f }, destination[0].Values.ToArray());
        Assert.Equal(new[] { 0f, 1f }, destination[1].Values.ToArray());
        var mismatch = new[] { Tensor("Encoder.weight", new[] { 3 }, 0f) };
        Assert.Throws<ArgumentException>(() => SafeTensors.CopyMatching(source, mismatch));
        Assert.Equal(new[] { 0f, 1f, 2f }, mismatch[0].Values.ToArray());
    }
}
