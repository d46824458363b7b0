using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Layers.Dropout;

/// <summary>Dropout at inference is the identity: the levels are copied and keep their quantisation.</summary>
internal sealed record QuantizedIdentityStep(string Layer, BufferRef Input, BufferRef Output) : QuantizedStep(Layer, Input, Output)
{
    public override bool KeepsQuantization => true;

    public override void WriteForward(SourceWriter w, QuantizedContext context)
    {
        w.Line($"// {Layer}: dropout, the identity at inference.");
        w.Line($"{context.Levels(Input)}.CopyTo({context.Levels(Output)});");
    }
}
