using System;
using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers.Recurrent;

/// <summary>Which recurrent layer: mirrors the runtime's attributes (SimpleRnn, Lstm, Gru).</summary>
internal enum RecurrentKind { SimpleRnn, Lstm, Gru }

/// <summary>[SimpleRnn(hidden, activation)], [Lstm(hidden)], [Gru(hidden)] with ReturnSequences, Leak (SimpleRnn) and Peephole (Lstm).</summary>
internal sealed record RecurrentOptions : LayerOptions
{
    public override LayerFamily Family => RecurrentFamily.Instance;
    public override string Kind => Cell.ToString();
    public required RecurrentKind Cell { get; init; }
    public required int Hidden { get; init; }
    /// <summary>The SimpleRnn's nonlinearity (tanh or ReLU); tanh for the gated cells.</summary>
    public required ActivationKind Activation { get; init; }
    public required float Leak { get; init; }
    public required bool Peephole { get; init; }
    public required bool ReturnSequences { get; init; }
    /// <summary>Carries h (and c) from one call to the next (truncated backpropagation through time).</summary>
    public required bool Stateful { get; init; }
    /// <summary>The layer whose output is the initial state (h₀, or [h₀, c₀] for an LSTM); empty: zero.</summary>
    public required string InitialState { get; init; }
}

/// <summary>The input sequence's steps and features per step.</summary>
internal sealed record RecurrentDetail(int Steps, int Features) : LayerDetail;

/// <summary>
/// Recurrent layers unrolled over the constant length of their input sequence (RecurrentKernels): the input projection of
/// all steps as one product, each step one product with W_hh and the cell's epilogue, backpropagation through time with the
/// weights summing their gradients over the steps. Parameters carry nn.RNN/LSTM/GRU's names and layouts.
/// </summary>
internal sealed partial class RecurrentFamily : LayerFamily
{
    public static readonly RecurrentFamily Instance = new();

    /// <summary>Steps from which a SimpleRnn gets the vanishing-gradient warning (CN0064).</summary>
    public const int LongSequence = 50;

    public override string Name => "Recurrent";
    public override IReadOnlyList<string> AttributeNames { get; } = new[] { "SimpleRnnAttribute", "LstmAttribute", "GruAttribute" };

    public override bool ReadsSequences(LayerOptions options) => true;

    public override IEnumerable<string> ExtraInputs(LayerOptions options) =>
        ((RecurrentOptions)options).InitialState is { Length: > 0 } state ? new[] { state } : System.Array.Empty<string>();

    public override LayerOptions? Parse(LayerAttribute attribute)
    {
        if (!attribute.Has(0)) return null;
        var cell = attribute.AttributeName switch
        {
            "LstmAttribute" => RecurrentKind.Lstm,
            "GruAttribute" => RecurrentKind.Gru,
            _ => RecurrentKind.SimpleRnn,
        };
        var options = new RecurrentOptions
        {
            Cell = cell,
            Hidden = attribute.Int(0),
            Activation = cell == RecurrentKind.SimpleRnn && attribute.Has(1) ? (ActivationKind)attribute.Int(1) : ActivationKind.Tanh,
            Leak = 1f,
            Peephole = false,
            ReturnSequences = false,
            Stateful = false,
            InitialState = "",
        };
        foreach (var named in attribute.Named)
        {
            options = named.Key switch
            {
                "ReturnSequences" => options with { ReturnSequences = (bool)named.Value },
                "Leak" => options with { Leak = LayerAttribute.Float(named.Value) },
                "Peephole" => options with { Peephole = (bool)named.Value },
                "Stateful" => options with { Stateful = (bool)named.Value },
                "InitialState" => options with { InitialState = (string)named.Value },
                _ => options,
            };
        }
        return options;
    }

    public override ShapedLayer? Infer(ShapeContext context, LayerSpec layer, IReadOnlyList<ShapedLayer> inputs)
    {
        var options = (RecurrentOptions)layer.Options;
        var input = inputs[0];
        bool ok = SettingRules.Activation(context, layer, options.Activation);
        if (options.Hidden <= 0)
        {
            context.Report(DiagnosticDescriptors.NonPositiveSize, layer.Location, layer.Name, "hidden size", options.Hidden);
            ok = false;
        }
        if (ok && options.Cell == RecurrentKind.SimpleRnn && options.Activation is not (ActivationKind.Tanh or ActivationKind.ReLU))
        {
            context.Report(DiagnosticDescriptors.InvalidRecurrentSetting, layer.Location, layer.Name, "activation", options.Activation.Describe(),
                "a SimpleRnn's nonlinearity is tanh or ReLU, as nn.RNN's");
            ok = false;
        }
        if (!(options.Leak > 0f && options.Leak <= 1f))
        {
            context.Report(DiagnosticDescriptors.InvalidRecurrentSetting, layer.Location, layer.Name, "Leak", ShapeContext.Format(options.Leak),
                "the leak α is the share of the new value in each step's state, in (0, 1] (1: no leak)");
            ok = false;
        }
        if (!input.IsSequence)
        {
            context.Report(DiagnosticDescriptors.RecurrentNeedsSequence, layer.Location, layer.Name, options.Kind, input.Name, ShapeContext.Shape(input.OutputShape));
            ok = false;
        }
        if (ok && options.InitialState.Length > 0)
        {
            var state = inputs[1];
            int h = options.Hidden;
            string? problem = options.Stateful ? "a stateful layer starts from its carried state; give the initial state or carry it, not both"
                : state.IsSequence ? $"'{state.Name}' is a sequence {ShapeContext.Shape(state.OutputShape)}; the initial state is one vector per sample"
                : state.OutputSize != h && !(options.Cell == RecurrentKind.Lstm && state.OutputSize == 2 * h)
                    ? $"'{state.Name}' has {state.OutputSize} outputs; the initial state is h₀ [{h}]{(options.Cell == RecurrentKind.Lstm ? $" or h₀ and c₀ [{2 * h}]" : "")}"
                : null;
            if (problem is not null)
            {
                context.Report(DiagnosticDescriptors.InvalidRecurrentSetting, layer.Location, layer.Name, "InitialState", options.InitialState, problem);
                ok = false;
            }
        }
        if (!ok) return null;

        int steps = input.Steps, features = input.OutputSize / steps, hidden = options.Hidden;
        if (options.Cell == RecurrentKind.SimpleRnn && steps >= LongSequence)
            context.Report(DiagnosticDescriptors.LongSimpleRnn, layer.Location, layer.Name, steps);
        int gates = GateCount(options) * hidden;
        int[] shape = options.ReturnSequences ? new[] { steps, hidden } : new[] { hidden };
        var shaped = context.Create(layer, inputs, shape, options, ActivationPlan.Linear, deltaAtPreActivation: false);
        int inputWeights = context.Size(layer, "the input weights of {layer}", gates, features);
        int hiddenWeights = context.Size(layer, "the recurrent weights of {layer}", gates, hidden);
        var (l1, l2) = context.Penalties(layer, float.NaN, float.NaN);
        return shaped with
        {
            Steps = options.ReturnSequences ? steps : 0,
            WeightCount = inputWeights + hiddenWeights + (options.Peephole ? 3 * hidden : 0),
            BiasCount = 2 * gates,
            L1 = l1,
            L2 = l2,
            Detail = new RecurrentDetail(steps, features),
        };
    }

    public static int GateCount(RecurrentOptions options) => options.Cell switch { RecurrentKind.Lstm => 4, RecurrentKind.Gru => 3, _ => 1 };

    public override long Flops(ShapedLayer layer)
    {
        var options = (RecurrentOptions)layer.Options;
        var detail = (RecurrentDetail)layer.Detail!;
        long gates = GateCount(options) * (long)options.Hidden;
        return detail.Steps * 2L * gates * (detail.Features + options.Hidden);
    }

    public override IEnumerable<TensorPlan> Tensors(LayerPlan layer)
    {
        var options = (RecurrentOptions)layer.Options;
        var detail = (RecurrentDetail)layer.Detail!;
        int h = options.Hidden, g = GateCount(options) * h;
        int at = layer.WeightOffset;
        yield return new TensorPlan(layer.Name + ".weight_ih_l0", new[] { g, detail.Features }.ToEquatableArray(), false, at);
        at += g * detail.Features;
        yield return new TensorPlan(layer.Name + ".weight_hh_l0", new[] { g, h }.ToEquatableArray(), false, at);
        at += g * h;
        if (options.Peephole) yield return new TensorPlan(layer.Name + ".weight_peephole_l0", new[] { 3 * h }.ToEquatableArray(), false, at);
        yield return new TensorPlan(layer.Name + ".bias_ih_l0", new[] { g }.ToEquatableArray(), false, layer.BiasOffset);
        yield return new TensorPlan(layer.Name + ".bias_hh_l0", new[] { g }.ToEquatableArray(), false, layer.BiasOffset + g);
    }

    public override bool PenalizesWeights(LayerPlan layer) => true;

    /// <summary>The runtime's RecurrentShape of a layer.</summary>
    public static RecurrentCall Call(LayerPlan layer)
    {
        var options = (RecurrentOptions)layer.Options;
        var detail = (RecurrentDetail)layer.Detail!;
        string cell = options.Cell switch
        {
            RecurrentKind.Lstm => options.Peephole ? "LstmPeephole" : "Lstm",
            RecurrentKind.Gru => "Gru",
            _ => options.Activation == ActivationKind.ReLU ? "SimpleRnnReLU" : "SimpleRnnTanh",
        };
        return new RecurrentCall(cell, options.Cell, detail.Steps, detail.Features, options.Hidden, options.Leak, options.ReturnSequences, options.Peephole,
            options.Activation, options.Stateful);
    }

    public override void AllocateBuffers(LoweringContext context, int index) =>
        context.AllocateNamed(index, "recurrent", Call(context.Layers[index]).ScratchWidth);

    public override void LowerForward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var call = Call(layer);
        var carried = call.Stateful ? context.CarriedState(index, call.CarriedWidth) : null;
        var given = layer.Inputs.Count > 1 ? context.Buffer(layer.Inputs[1]) : null;
        context.Forward(new RecurrentForwardOp(layer.Name, call, context.InputOf(index), context.Buffer(index), context.Named(index, "recurrent"),
            layer.WeightOffset, layer.ParameterCount, carried, given));
    }

    public override void LowerBackward(LoweringContext context, int index)
    {
        var layer = context.Layers[index];
        var (target, derivative) = context.GradientInto(layer.Inputs[0]);
        InitialStateGradient? state = null;
        if (layer.Inputs.Count > 1 && context.GradientInto(layer.Inputs[1]) is ({ } stateTarget, var stateDerivative))
            state = new InitialStateGradient(context.Buffer(layer.Inputs[1]), stateTarget, stateDerivative);
        context.Backward(new RecurrentBackwardOp(layer.Name, Call(layer), context.InputOf(index), context.Buffer(index), context.Named(index, "recurrent"),
            layer.WeightOffset, layer.ParameterCount, target, derivative, state));
    }

    public override void WriteInitialization(SourceWriter w, LayerPlan layer)
    {
        var options = (RecurrentOptions)layer.Options;
        float bound = (float)(1.0 / Math.Sqrt(options.Hidden));
        w.Line($"// {layer.Name}: every weight and bias U(−1/√{options.Hidden}, 1/√{options.Hidden}), as PyTorch initialises nn.{(options.Cell == RecurrentKind.SimpleRnn ? "RNN" : options.Cell.ToString().ToUpperInvariant())}{(options.Peephole ? "; peephole weights 0" : "")}.");
        w.Line($"global::Compiled.Nets.CompilerServices.Initializers.FillUniform(new {CSharpCode.Span}(_parameters, {layer.WeightOffset}, {layer.ParameterCount}), {CSharpCode.Float(bound)}, random);");
        if (options.Peephole)
        {
            var detail = (RecurrentDetail)layer.Detail!;
            int gates = GateCount(options) * options.Hidden;
            w.Line($"new {CSharpCode.Span}(_parameters, {layer.WeightOffset + gates * (detail.Features + options.Hidden)}, {3 * options.Hidden}).Clear();");
        }
    }

    public override string Describe(LayerPlan layer)
    {
        var call = Call(layer);
        string what = call.Kind switch
        {
            RecurrentKind.Lstm => call.Peephole ? "LSTM with peepholes" : "LSTM",
            RecurrentKind.Gru => "GRU",
            _ => call.Leak == 1f ? $"Elman RNN, {call.Activation.Describe()}" : $"Elman RNN, {call.Activation.Describe()}, leak α = {CSharpCode.Number(call.Leak)}",
        };
        var options = (RecurrentOptions)layer.Options;
        return $"{what}, {call.Steps} steps of {call.Features} → hidden {call.Hidden}, {(call.ReturnSequences ? "every step's state" : "the last step's state")}{(call.Stateful ? ", stateful" : "")}" +
               (options.InitialState.Length > 0 ? $", starting from {options.InitialState}" : "");
    }

    public override string ShortDescription(LayerPlan layer)
    {
        var call = Call(layer);
        return $"{call.Kind}({call.Hidden}{(call.ReturnSequences ? ", sequences" : "")})";
    }
}

/// <summary>A recurrent layer's constant shape, as the runtime's RecurrentShape takes it, and its working buffer's floats per sample.</summary>
internal sealed record RecurrentCall(string Cell, RecurrentKind Kind, int Steps, int Features, int Hidden, float Leak, bool ReturnSequences, bool Peephole,
    ActivationKind Activation, bool Stateful)
{
    public int CarriedWidth => Kind == RecurrentKind.Lstm ? 2 * Hidden : Hidden;
    public int Gates => Kind switch { RecurrentKind.Lstm => 4, RecurrentKind.Gru => 3, _ => 1 } * Hidden;
    public int InputWidth => Steps * Features;
    public int OutputWidth => ReturnSequences ? Steps * Hidden : Hidden;

    /// <summary>Mirrors RecurrentShape.ScratchWidth (the kernel checks the span it gets against it).</summary>
    public int ScratchWidth
    {
        get
        {
            int forward = Steps * Features + Steps * Gates + (Steps + 1) * Hidden * (Kind == RecurrentKind.Lstm ? 2 : 1)
                          + (Kind == RecurrentKind.Gru ? Steps * Hidden : 0) + Gates;
            int backward = Steps * Gates * (Kind == RecurrentKind.Gru ? 2 : 1) + 3 * Hidden + Steps * Features;
            return Math.Max(forward, backward);
        }
    }

    public string Shape => $"new {CSharpCode.Kernels}RecurrentShape({CSharpCode.Kernels}RecurrentCell.{Cell}, {Steps}, {Features}, {Hidden}, {CSharpCode.Float(Leak)}, {(ReturnSequences ? "true" : "false")})";
}
