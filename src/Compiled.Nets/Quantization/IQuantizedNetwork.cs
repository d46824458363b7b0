using System;
using System.Collections.Generic;
using System.Globalization;

namespace Compiled.Nets.Quantization;

/// <summary>An int8 inference model made by a generated network's <c>Quantize</c>: the nested <c>Quantized</c> class.</summary>
public interface IQuantizedNetwork
{
    /// <summary>Values in one input sample.</summary>
    int InputLength { get; }
    /// <summary>Values in one output sample.</summary>
    int OutputLength { get; }

    /// <summary>One sample; allocation-free, thread-safe.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>A batch, rows of <see cref="InputLength"/> values.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>The dense and convolution layers' quantised weights and quantisations, in order.</summary>
    IReadOnlyList<QuantizedLinear> Layers { get; }

    /// <summary>The network input's quantisation.</summary>
    ActivationQuantization InputQuantization { get; }

    /// <summary>The dot-product form this CPU runs.</summary>
    Int8Path Path { get; }
}
