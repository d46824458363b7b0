using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;

namespace Compiled.Nets.Generators.Layers.Pooling;

/// <summary>Max pooling on levels: quantisation is monotonic, so the output keeps the input's quantisation.</summary>
internal sealed record QuantizedMaxPoolStep(string Layer, BufferRef Input, BufferRef Output, Window2D Window) : QuantizedStep(Layer, Input, Output)
{
    public override bool KeepsQuantization => true;

    public override void WriteForward(SourceWriter w, QuantizedContext context)
    {
        w.Line($"// {Layer}: max pooling {Window.KernelHeight}×{Window.KernelWidth}, stride {Window.StrideWidth}, on the levels.");
        w.Line($"global::Compiled.Nets.CompilerServices.Int8Kernels.MaxPool({context.Levels(Input)}, {context.Levels(Output)}, {PoolShape(Window)});");
    }
}
