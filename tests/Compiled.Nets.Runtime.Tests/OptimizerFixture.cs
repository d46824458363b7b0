using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Compiled.Nets.Optimizers;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// Fixtures/optimizers.json, written by tests/scripts/make_optimizer_fixtures.py from PyTorch: a start point, the
/// coefficients of the loss Σ a p² + b p + c p³/3, and each optimizer's trajectory over a few steps.
/// </summary>
internal static class OptimizerFixture
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "optimizers.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    });

    public static float[] P0 => Floats(Root.Value.GetProperty("p0"));
    public static float[] A => Floats(Root.Value.GetProperty("a"));
    public static float[] B => Floats(Root.Value.GetProperty("b"));
    public static float[] C => Floats(Root.Value.GetProperty("c"));

    public static JsonElement Optimizer(string id) => Find(Root.Value.GetProperty("optimizers"), id);

    public static JsonElement Schedule(string id) => Find(Root.Value.GetProperty("schedules"), id);

    public static float[][] Trajectory(JsonElement optimizer) =>
        optimizer.GetProperty("trajectory").EnumerateArray().Select(Floats).ToArray();

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    // The JSON holds float32 values printed as doubles, so the cast is exact.
    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static JsonElement Find(JsonElement list, string id)
    {
        foreach (var item in list.EnumerateArray())
            if (item.GetProperty("id").GetString() == id) return item;
        throw new KeyNotFoundException($"No fixture case '{id}'.");
    }
}

/// <summary>Builds each optimizer under test by a short name, for theories.</summary>
internal static class Optimizers
{
    public static readonly string[] Names = { "sgd", "sgd_momentum", "sgd_nesterov", "adagrad", "rmsprop", "adadelta", "adam" };

    public static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "sgd_momentum" => new Sgd(0.1f, momentum: 0.9f),
        "sgd_nesterov" => new Sgd(0.1f, momentum: 0.9f, nesterov: true),
        "adagrad" => new AdaGrad(0.1f),
        "rmsprop" => new RmsProp(0.01f),
        "adadelta" => new AdaDelta(1.0f),
        "adam" => new Adam(0.01f),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'.", nameof(name)),
    };

    public static IEnumerable<object[]> All => Names.Select(n => new object[] { n });
}
