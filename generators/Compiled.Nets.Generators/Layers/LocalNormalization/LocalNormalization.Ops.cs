using System.Collections.Generic;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using static Compiled.Nets.Generators.Emit.CSharpCode;
using Cuda = Compiled.Nets.Generators.Emit.CudaCode;

namespace Compiled.Nets.Generators.Layers.LocalNormalization;

/// <summary>y = x (k + α/n Σ_window x²)^(−β) across channels; the base s kept in <see cref="Scale"/>.</summary>
internal sealed record LocalResponseNormForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Scale,
    int Channels, int Plane, int Size, float Alpha, float Beta, float K) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: local response normalisation across {Size} of {Channels} channels (planes of {Plane}), α {Number(Alpha)}, β {Number(Beta)}, k {Number(K)}.");
        w.Line($"{Kernels}LocalResponseNormKernels.Forward({ActivationSource(Input)}, {Activations(Output)}, {Activations(Scale)}, {Channels}, {Plane}, {Size}, {Float(Alpha)}, {Float(Beta)}, {Float(K)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Normalization };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string name = $"{Layer}_forward";
        cuda.Kernel(name, $"{Layer}: local response normalisation across {Size} channels; grid ⌈batch·{w}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}",
            $"cn::lrn_forward<CN_BATCH, {Channels}, {Plane}, {Size}>({Cuda.Source(Input, "A")}, {Cuda.Buffer(Output, "A")}, {Cuda.Buffer(Scale, "A")}, " +
            $"{Cuda.Float(Alpha)}, {Cuda.Float(Beta)}, {Cuda.Float(K)});");
        cuda.Forward(Cuda.ElementLaunch(name, w));
    }
}

/// <summary>dPrev_j = (dy_j s_j^(−β) − 2αβ/n x_j Σ_{c ∋ j} dy_c y_c / s_c) ⊙ f′_prev(x_j).</summary>
internal sealed record LocalResponseNormBackwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Scale,
    int Channels, int Plane, int Size, float Alpha, float Beta, ActivationPlan InputDerivative, BufferRef InputDelta) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: back through the local response normalisation{DerivativeNote(InputDerivative)}.");
        w.Line($"{Kernels}LocalResponseNormKernels.Backward({Deltas(Output)}, {Activations(Input)}, {Activations(Output)}, {Activations(Scale)}, {Deltas(InputDelta)}, " +
               $"{Channels}, {Plane}, {Size}, {Float(Alpha)}, {Float(Beta)}, {ActivationStruct(InputDerivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Normalization };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int w = Output.Width;
        string name = $"{Layer}_backward";
        cuda.Kernel(name, $"{Layer}: back through the local response normalisation; grid ⌈batch·{w}/{Cuda.ElementThreads}⌉, block {Cuda.ElementThreads}",
            $"cn::lrn_backward<CN_BATCH, {Channels}, {Plane}, {Size}, {Cuda.ActivationId(InputDerivative)}>({Cuda.Buffer(Output, "D")}, {Cuda.Buffer(Input, "A")}, " +
            $"{Cuda.Buffer(Output, "A")}, {Cuda.Buffer(Scale, "A")}, {Cuda.Buffer(InputDelta, "D")}, {Cuda.Float(Alpha)}, {Cuda.Float(Beta)}, {Cuda.Slope(InputDerivative)});");
        cuda.Backward.Add(Cuda.ElementLaunch(name, w));
    }
}

/// <summary>m = box(Σ_c x)/N, v = x − m (kept), σ = √(box(Σ_c v²)/N) (kept), y = v / max(σ, ε); <see cref="Work"/> one plane of scratch.</summary>
internal sealed record LocalContrastNormForwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Centred, BufferRef Sigma, BufferRef Work,
    int Channels, int Height, int Width, int WindowHeight, int WindowWidth, float Epsilon) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: local contrast normalisation of {Channels}×{Height}×{Width} maps over {WindowHeight}×{WindowWidth} windows of every channel, ε {Number(Epsilon)}.");
        w.Line($"{Kernels}LocalContrastNormKernels.Forward({ActivationSource(Input)}, {Activations(Output)}, {Activations(Centred)}, {Activations(Sigma)}, {Activations(Work)}, " +
               $"{Channels}, {Height}, {Width}, {WindowHeight}, {WindowWidth}, {Float(Epsilon)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Normalization };

    private string Shape => $"{Channels}, {Height}, {Width}, {WindowHeight}, {WindowWidth}";

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int all = Output.Width, plane = Height * Width;
        const int threads = Cuda.ElementThreads;
        string x = Cuda.Source(Input, "A"), work = Cuda.Buffer(Work, "A"), sigma = Cuda.Buffer(Sigma, "A"), centred = Cuda.Buffer(Centred, "A");
        var steps = new (string Name, string Comment, string Body, int Width)[]
        {
            ($"{Layer}_sum", "Σ_c x per position", $"cn::lcn_channel_sum<CN_BATCH, {Channels}, {plane}, false>({x}, {work});", plane),
            ($"{Layer}_mean", "the window mean m", $"cn::lcn_window_mean<CN_BATCH, {Shape}, false>({work}, {sigma});", plane),
            ($"{Layer}_centre", "v = x − m", $"cn::lcn_centre<CN_BATCH, {Channels}, {plane}>({x}, {sigma}, {centred});", all),
            ($"{Layer}_squares", "Σ_c v² per position", $"cn::lcn_channel_sum<CN_BATCH, {Channels}, {plane}, true>({centred}, {work});", plane),
            ($"{Layer}_sigma", "σ = √(window mean of v²)", $"cn::lcn_window_mean<CN_BATCH, {Shape}, true>({work}, {sigma});", plane),
            ($"{Layer}_divide", "y = v / max(σ, ε)", $"cn::lcn_divide<CN_BATCH, {Channels}, {plane}>({centred}, {sigma}, {Cuda.Buffer(Output, "A")}, {Cuda.Float(Epsilon)});", all),
        };
        foreach (var (name, comment, body, width) in steps)
        {
            cuda.Kernel(name, $"{Layer}: {comment}; grid ⌈batch·{width}/{threads}⌉, block {threads}", body);
            cuda.Forward(Cuda.ElementLaunch(name, width));
        }
    }
}

/// <summary>dPrev = (g_v − box(Σ_c g_v)/N) ⊙ f′_prev(x), g_v = dy/d + 2 v box(g_S)/N, g_S = [σ &gt; ε](−Σ_c dy v/d²)/(2σ).</summary>
internal sealed record LocalContrastNormBackwardOp(string Layer, BufferRef Input, BufferRef Output, BufferRef Centred, BufferRef Sigma, BufferRef Work,
    int Channels, int Height, int Width, int WindowHeight, int WindowWidth, float Epsilon, ActivationPlan InputDerivative, BufferRef InputDelta) : OpPlan(Layer)
{
    public override void WriteCSharp(SourceWriter w)
    {
        w.Line($"// {Layer}: back through the divisive then the subtractive normalisation{DerivativeNote(InputDerivative)}.");
        w.Line($"{Kernels}LocalContrastNormKernels.Backward({Deltas(Output)}, {Activations(Centred)}, {Activations(Sigma)}, {Activations(Work)}, {Activations(Input)}, {Deltas(InputDelta)}, " +
               $"{Channels}, {Height}, {Width}, {WindowHeight}, {WindowWidth}, {Float(Epsilon)}, {ActivationStruct(InputDerivative)});");
    }

    public override IEnumerable<string> CudaBlocks => new[] { CudaBlock.Normalization };

    public override void WriteCuda(CudaProgramBuilder cuda)
    {
        int all = Output.Width, plane = Height * Width;
        const int threads = Cuda.ElementThreads;
        string shape = $"{Channels}, {Height}, {Width}, {WindowHeight}, {WindowWidth}";
        string dy = Cuda.Buffer(Output, "D"), centred = Cuda.Buffer(Centred, "A"), sigma = Cuda.Buffer(Sigma, "A"), work = Cuda.Buffer(Work, "A"), dPrev = Cuda.Buffer(InputDelta, "D");
        var steps = new (string Name, string Comment, string Body, int Width)[]
        {
            ($"{Layer}_backward_scale", "g_S per position", $"cn::lcn_backward_scale<CN_BATCH, {Channels}, {plane}>({dy}, {centred}, {sigma}, {work}, {Cuda.Float(Epsilon)});", plane),
            ($"{Layer}_backward_centred", "g_v = dy/d + 2 v box(g_S)/N", $"cn::lcn_backward_centred<CN_BATCH, {shape}>({dy}, {centred}, {sigma}, {work}, {dPrev}, {Cuda.Float(Epsilon)});", all),
            ($"{Layer}_backward_sum", "Σ_c g_v per position", $"cn::lcn_channel_sum<CN_BATCH, {Channels}, {plane}, false>({dPrev}, {work});", plane),
            ($"{Layer}_backward_mean", "dPrev = (g_v − box(Σ_c g_v)/N) f′_prev", $"cn::lcn_backward_mean<CN_BATCH, {shape}, {Cuda.ActivationId(InputDerivative)}>({work}, {Cuda.Buffer(Input, "A")}, {dPrev}, {Cuda.Slope(InputDerivative)});", all),
        };
        foreach (var (name, comment, body, width) in steps)
        {
            cuda.Kernel(name, $"{Layer}: {comment}; grid ⌈batch·{width}/{threads}⌉, block {threads}", body);
            cuda.Backward.Add(Cuda.ElementLaunch(name, width));
        }
    }
}
