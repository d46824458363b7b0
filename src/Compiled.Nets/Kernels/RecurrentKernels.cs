using System.ComponentModel;
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Compiled.Nets.CompilerServices;

/// <summary>The cell a recurrent layer runs at every step.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum RecurrentCell
{
    /// <summary>Elman: h ← (1 − α) h + α tanh(W_ih x + b_ih + W_hh h + b_hh).</summary>
    SimpleRnnTanh = 0,
    /// <summary>Elman with ReLU.</summary>
    SimpleRnnReLU,
    /// <summary>LSTM, gates i, f, g, o (PyTorch's order).</summary>
    Lstm,
    /// <summary>LSTM with peephole weights p_i, p_f (read c₍t−1₎) and p_o (reads c₍t₎).</summary>
    LstmPeephole,
    /// <summary>GRU, gates r, z, n, with b_hn inside the reset product (PyTorch's).</summary>
    Gru,
}

/// <summary>
/// A recurrent layer's constant shape as generated code passes it: the cell, the steps T, the features per step I, the
/// hidden size H, the leak α (SimpleRnn), and whether the output is every step's state or only the last.
/// The layer's parameters are one block: W_ih [G, I], W_hh [G, H], the peephole weights [3H] (i, f, o) when it has them,
/// b_ih [G], b_hh [G], with G = gates · H.
/// </summary>
/// <param name="Cell">The cell: SimpleRnn (tanh or ReLU), Lstm, LstmPeephole or Gru.</param>
/// <param name="Steps">T, the sequence length.</param>
/// <param name="Features">I, the values per input step.</param>
/// <param name="Hidden">H, the hidden size.</param>
/// <param name="Leak">α, the SimpleRnn's leak (1: none).</param>
/// <param name="ReturnSequences">Whether the output is every step's state or only the last.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct RecurrentShape(RecurrentCell Cell, int Steps, int Features, int Hidden, float Leak, bool ReturnSequences)
{
    /// <summary>Gates per cell: 4 for an LSTM, 3 for a GRU, 1 for a SimpleRnn.</summary>
    public int Gates => Cell switch { RecurrentCell.Lstm or RecurrentCell.LstmPeephole => 4, RecurrentCell.Gru => 3, _ => 1 };
    /// <summary>G = Gates · Hidden, the rows of W_ih and W_hh.</summary>
    public int GateWidth => Gates * Hidden;
    /// <summary>Whether the cell is an LSTM (with or without peepholes).</summary>
    public bool IsLstm => Cell is RecurrentCell.Lstm or RecurrentCell.LstmPeephole;
    /// <summary>Whether the cell has peephole weights.</summary>
    public bool HasPeephole => Cell == RecurrentCell.LstmPeephole;
    /// <summary>Values of W_ih [G, I].</summary>
    public int InputWeightCount => GateWidth * Features;
    /// <summary>Values of W_hh [G, H].</summary>
    public int HiddenWeightCount => GateWidth * Hidden;
    /// <summary>Weight values: W_ih, W_hh and the peepholes.</summary>
    public int WeightCount => InputWeightCount + HiddenWeightCount + (HasPeephole ? 3 * Hidden : 0);
    /// <summary>All parameter values: the weights and both biases.</summary>
    public int ParameterCount => WeightCount + 2 * GateWidth;
    /// <summary>Values per input sample: Steps · Features.</summary>
    public int InputWidth => Steps * Features;
    /// <summary>Values per output sample: Steps · Hidden with ReturnSequences, else Hidden.</summary>
    public int OutputWidth => ReturnSequences ? Steps * Hidden : Hidden;
    /// <summary>Floats per sample a stateful layer carries from one call to the next: h, and c for an LSTM.</summary>
    public int CarriedWidth => IsLstm ? 2 * Hidden : Hidden;

    /// <summary>Floats per sample of the layer's working buffer: what the forward pass keeps for the backward pass, or the backward pass's own, whichever is more.</summary>
    public int ScratchWidth => Math.Max(ForwardWidth, BackwardWidth);

    // Forward, time-major ([t][b][·]): the input copy, the gates after their nonlinearities, the states h₀…h_T, the cells c₀…c_T (LSTM),
    // W_hn h + b_hn (GRU), and one step's recurrent product.
    internal int ForwardWidth => Steps * Features + Steps * GateWidth + (Steps + 1) * Hidden * (IsLstm ? 2 : 1)
                                 + (Cell == RecurrentCell.Gru ? Steps * Hidden : 0) + GateWidth;

    // Backward: the gradient at every step's gate pre-activations (GRU: also at W_hh h + b_hh), dh, dc, a step's dh through W_hh, and dx time-major.
    internal int BackwardWidth => Steps * GateWidth * (Cell == RecurrentCell.Gru ? 2 : 1) + 3 * Hidden + Steps * Features;
}

/// <summary>
/// Recurrent layers unrolled over their constant number of steps. The input projection of all steps is one product before
/// the loop; each step is then one product with W_hh and the cell's element-wise epilogue; backward runs the steps in
/// reverse and does the weight gradients of all steps as two products at the end (the weights sum their gradients over the steps).
/// Sequences are batch-first outside ([b][t][·]) and time-major inside, so each step's rows are contiguous.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RecurrentKernels
{
    /// <summary>
    /// The forward pass: <paramref name="scratch"/> keeps what the backward pass needs; <paramref name="output"/> gets the states.
    /// <paramref name="initialState"/> (a stateful layer's carried state: h₀ [batch, H], then c₀ [batch, H] for an LSTM) starts
    /// the recurrence; empty starts it at zero. It is a constant: no gradient flows into it (truncated backpropagation through time).
    /// </summary>
    public static void Forward(RecurrentShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, Span<float> scratch, Span<float> output, int batch,
        ReadOnlySpan<float> initialState = default, ReadOnlySpan<float> givenState = default)
    {
        const string kernel = "RecurrentKernels.Forward";
        CheckShape(kernel, shape, batch);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * shape.InputWidth);
        KernelChecks.Length(kernel, nameof(parameters), parameters.Length, shape.ParameterCount);
        KernelChecks.AtLeast(kernel, nameof(scratch), scratch.Length, (long)batch * shape.ScratchWidth);
        KernelChecks.Length(kernel, nameof(output), output.Length, (long)batch * shape.OutputWidth);
        if (!initialState.IsEmpty) KernelChecks.Length(kernel, nameof(initialState), initialState.Length, (long)batch * shape.CarriedWidth);
        int givenWidth = GivenWidth(kernel, shape, givenState.Length, batch);

        int T = shape.Steps, I = shape.Features, H = shape.Hidden, G = shape.GateWidth;
        var p = new Parameters(shape, parameters);
        var f = new ForwardBuffers(shape, scratch, batch);

        // x [b][t][i] → xT [t][b][i]; then the input projection of every step at once: gates = xT W_ihᵀ + b_ih.
        ToTimeMajor(x, f.InputT, batch, T, I);
        // (The initial state is written after it: the projection may keep W_ihᵀ where the states go.)
        int unitParts = UnitSharedLstmParts(shape, batch);
        var projection = ProjectionKind(T * batch, I, G, f.AfterGates.Length);
        if (unitParts <= 1 || projection == Projection.Broadcast) InputProjection(f.InputT, p.InputWeights, p.InputBias, f.Gates, T * batch, I, G, f.AfterGates);
        if (givenWidth > 0)
        {
            // Another layer's output per sample: h₀, then c₀ when it is 2H wide (an LSTM's); c₀ is zero otherwise.
            if (shape.IsLstm) f.Cells.Slice(0, batch * H).Clear();
            for (int s = 0; s < batch; s++)
            {
                givenState.Slice(s * givenWidth, H).CopyTo(f.States.Slice(s * H, H));
                if (givenWidth == 2 * H) givenState.Slice(s * givenWidth + H, H).CopyTo(f.Cells.Slice(s * H, H));
            }
        }
        else if (initialState.IsEmpty)
        {
            f.States.Slice(0, batch * H).Clear();
            if (shape.IsLstm) f.Cells.Slice(0, batch * H).Clear();
        }
        else
        {
            initialState.Slice(0, batch * H).CopyTo(f.States);
            if (shape.IsLstm) initialState.Slice(batch * H, batch * H).CopyTo(f.Cells);
        }

        // A batch below 8: the whole recurrence on the cores at once, each on its own units (and their input projection where
        // it is dot products), one spin hand-off per step.
        if (unitParts > 1) LstmUnitsJob.Forward(shape, p, f.InputT, f.Gates, f.States, f.Cells, f.Step, batch, unitParts, projection);
        int shared = unitParts > 1 ? 0 : SharedLstmParts(shape, batch, peepholeAllowed: true);
        for (int t = 0; t < T && unitParts <= 1; t++)
        {
            var hPrev = f.States.Slice(t * batch * H, batch * H);
            var h = f.States.Slice((t + 1) * batch * H, batch * H);
            var gates = f.Gates.Slice(t * batch * G, batch * G);
            if (shared > 1)
            {
                // The product and the cell of each part's samples on one core, one hand-off per step.
                LstmStepJob.Forward(shape, p, hPrev, gates, f.Step, f.Cells.Slice(t * batch * H, batch * H), f.Cells.Slice((t + 1) * batch * H, batch * H), h, batch, shared);
                continue;
            }
            // This step's recurrent product: step = h₍t−1₎ W_hhᵀ + b_hh.
            DenseKernels.Forward(hPrev, p.HiddenWeights, p.HiddenBias, f.Step, batch, H, G, default(LinearActivation));
            switch (shape.Cell)
            {
                case RecurrentCell.Lstm:
                case RecurrentCell.LstmPeephole:
                    LstmStep(shape, p, gates, f.Step, f.Cells.Slice(t * batch * H, batch * H), f.Cells.Slice((t + 1) * batch * H, batch * H), h, batch);
                    break;
                case RecurrentCell.Gru:
                    GruStep(H, gates, f.Step, f.HiddenN.Slice(t * batch * H, batch * H), hPrev, h, batch);
                    break;
                default:
                    RnnStep(shape, gates, f.Step, hPrev, h);
                    break;
            }
        }

        if (shape.ReturnSequences) ToBatchMajor(f.States.Slice(batch * H, T * batch * H), output, batch, T, H);
        else f.States.Slice(T * batch * H, batch * H).CopyTo(output);
    }

    /// <summary>
    /// The gradient at a given initial state (another layer's output: h₀, or [h₀, c₀] for an LSTM), written to
    /// <paramref name="dState"/> times its producer's derivative; call it right after <see cref="Backward"/> with the same
    /// backward scratch, which ends holding dL/dh₀ and dL/dc₀.
    /// </summary>
    public static void InitialStateGradient<TAct>(RecurrentShape shape, ReadOnlySpan<float> backScratch, Span<float> dState, ReadOnlySpan<float> state,
        int batch, TAct derivative) where TAct : struct, IActivation
    {
        const string kernel = "RecurrentKernels.InitialStateGradient";
        CheckShape(kernel, shape, batch);
        KernelChecks.AtLeast(kernel, nameof(backScratch), backScratch.Length, (long)batch * shape.ScratchWidth);
        int width = GivenWidth(kernel, shape, dState.Length, batch);
        KernelChecks.Length(kernel, nameof(state), state.Length, dState.Length);
        int H = shape.Hidden;
        var b = new BackwardBuffers(shape, System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(backScratch), backScratch.Length), batch);
        for (int s = 0; s < batch; s++)
        {
            b.Dh.Slice(s * H, H).CopyTo(dState.Slice(s * width, H));
            if (width == 2 * H) b.Dc.Slice(s * H, H).CopyTo(dState.Slice(s * width + H, H));
        }
        if (typeof(TAct) != typeof(LinearActivation)) GraphKernels.MultiplyByDerivative(dState, state, derivative);
    }

    /// <summary>A given initial state's floats per sample (0 when none): h₀ [H], or [h₀, c₀] [2H] for an LSTM.</summary>
    private static int GivenWidth(string kernel, RecurrentShape shape, int length, int batch)
    {
        if (length == 0) return 0;
        int H = shape.Hidden;
        if (length == batch * H) return H;
        if (shape.IsLstm && length == batch * 2 * H) return 2 * H;
        throw new ArgumentException($"{kernel}: the initial state holds {length} values; for a batch of {batch} it is {batch * H} (h₀)" +
            (shape.IsLstm ? $" or {batch * 2 * H} (h₀ and c₀)" : "") + ".", "givenState");
    }

    /// <summary>
    /// After a call that succeeded: a stateful layer's last h (and c) become the state the next call starts from, sample by sample.
    /// <paramref name="scratch"/> is the forward pass's.
    /// </summary>
    public static void CarryState(RecurrentShape shape, ReadOnlySpan<float> scratch, Span<float> state, int batch)
    {
        const string kernel = "RecurrentKernels.CarryState";
        CheckShape(kernel, shape, batch);
        KernelChecks.AtLeast(kernel, nameof(scratch), scratch.Length, (long)batch * shape.ScratchWidth);
        KernelChecks.Length(kernel, nameof(state), state.Length, (long)batch * shape.CarriedWidth);
        int T = shape.Steps, H = shape.Hidden;
        var f = new ForwardBuffers(shape, System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(scratch), scratch.Length), batch);
        f.States.Slice(T * batch * H, batch * H).CopyTo(state);
        if (shape.IsLstm) f.Cells.Slice(T * batch * H, batch * H).CopyTo(state.Slice(batch * H));
    }

    /// <summary>
    /// Backpropagation through time: adds the layer's parameter gradients to <paramref name="gradients"/> and, when
    /// <paramref name="dx"/> is not empty, writes the gradient at the input times the producer's derivative
    /// (<paramref name="inputDerivative"/>, through the input values <paramref name="x"/>).
    /// </summary>
    public static void Backward<TAct>(RecurrentShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> parameters, Span<float> scratch,
        ReadOnlySpan<float> dOutput, Span<float> backScratch, Span<float> gradients, Span<float> dx, int batch, TAct inputDerivative)
        where TAct : struct, IActivation
    {
        const string kernel = "RecurrentKernels.Backward";
        CheckShape(kernel, shape, batch);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * shape.InputWidth);
        KernelChecks.Length(kernel, nameof(parameters), parameters.Length, shape.ParameterCount);
        KernelChecks.Length(kernel, nameof(gradients), gradients.Length, shape.ParameterCount);
        KernelChecks.AtLeast(kernel, nameof(scratch), scratch.Length, (long)batch * shape.ScratchWidth);
        KernelChecks.AtLeast(kernel, nameof(backScratch), backScratch.Length, (long)batch * shape.ScratchWidth);
        KernelChecks.Length(kernel, nameof(dOutput), dOutput.Length, (long)batch * shape.OutputWidth);
        if (!dx.IsEmpty) KernelChecks.Length(kernel, nameof(dx), dx.Length, (long)batch * shape.InputWidth);

        int T = shape.Steps, I = shape.Features, H = shape.Hidden, G = shape.GateWidth;
        var p = new Parameters(shape, parameters);
        var g = new Parameters(shape, gradients);
        var f = new ForwardBuffers(shape, scratch, batch);
        var b = new BackwardBuffers(shape, backScratch, batch);

        b.Dh.Clear();
        b.Dc.Clear();
        // The peephole weights' gradients sum over the samples: that cell's backward stays on one core.
        int shared = SharedLstmParts(shape, batch, peepholeAllowed: false);
        for (int t = T - 1; t >= 0; t--)
        {
            // The output's gradient at this step joins the gradient coming back from the step after it.
            if (shape.ReturnSequences) AddStepOfBatchMajor(dOutput, b.Dh, batch, T, H, t);
            else if (t == T - 1) DenseKernels.Add(b.Dh, dOutput);

            var hPrev = f.States.Slice(t * batch * H, batch * H);
            var gates = f.Gates.Slice(t * batch * G, batch * G);
            var dGates = b.GateGradients.Slice(t * batch * G, batch * G);
            switch (shape.Cell)
            {
                case RecurrentCell.Lstm when shared > 1:
                    // Each part's samples: the cell's backward, then their dh₍t−1₎ = dgates W_hh, one hand-off per step.
                    LstmStepJob.Backward(shape, p, hPrev, gates, f.Cells.Slice(t * batch * H, batch * H), f.Cells.Slice((t + 1) * batch * H, batch * H),
                        b.Dh, b.Dc, dGates, batch, shared);
                    break;
                case RecurrentCell.Lstm:
                case RecurrentCell.LstmPeephole:
                    LstmStepBackward(shape, p, g, gates, f.Cells.Slice(t * batch * H, batch * H), f.Cells.Slice((t + 1) * batch * H, batch * H),
                        b.Dh, b.Dc, dGates, batch);
                    // dh₍t−1₎ = dgates W_hh (the cell carries dc₍t−1₎ itself).
                    DenseKernels.InputGradient(dGates, p.HiddenWeights, hPrev, b.Dh, batch, H, G, default(LinearActivation));
                    break;
                case RecurrentCell.Gru:
                    var dHidden = b.HiddenGateGradients.Slice(t * batch * G, batch * G);
                    GruStepBackward(H, gates, f.HiddenN.Slice(t * batch * H, batch * H), hPrev, b.Dh, dGates, dHidden, batch);
                    // dh₍t−1₎ = z ⊙ dh (kept in Dh by the step) + dgates_hh W_hh.
                    DenseKernels.InputGradient(dHidden, p.HiddenWeights, hPrev, b.DhStep, batch, H, G, default(LinearActivation));
                    DenseKernels.Add(b.Dh, b.DhStep);
                    break;
                default:
                    RnnStepBackward(shape, gates, b.Dh, dGates);
                    DenseKernels.InputGradient(dGates, p.HiddenWeights, hPrev, b.DhStep, batch, H, G, default(LinearActivation));
                    DenseKernels.Add(b.Dh, b.DhStep);
                    break;
            }
        }

        // Every step's weight gradients: dW_ih += dgatesᵀ xT, dW_hh += dgates_hhᵀ [h₀ … h₍T−1₎], and the biases, a chunk of steps at a
        // time (WeightGradientRows): each row of dW reads every row of the gate gradients, and the whole T · batch rows (3.7 MB for
        // sequential MNIST at batch 64) came from memory for every one; a chunk's stay in L2.
        var hiddenGateGradients = shape.Cell == RecurrentCell.Gru ? b.HiddenGateGradients : b.GateGradients;
        int chunk = Math.Clamp(WeightGradientRows / batch, 1, T);
        // A narrow input (I < 64) against the gates: dW_ihᵀ [I, G] in the room dx takes later (when it is large enough), its rows
        // whole vectors of gates, added into dW_ih [G, I] at the end.
        bool transposed = I < 64 && b.InputGradientT.Length >= G * I;
        var inputWeightsT = transposed ? b.InputGradientT.Slice(0, G * I) : default;
        inputWeightsT.Clear();
        for (int t0 = 0; t0 < T; t0 += chunk)
        {
            int rows = Math.Min(chunk, T - t0) * batch;
            var dz = b.GateGradients.Slice(t0 * batch * G, rows * G);
            if (transposed)
            {
                DenseKernels.WeightGradientTransposed(dz, f.InputT.Slice(t0 * batch * I, rows * I), inputWeightsT, rows, I, G);
                for (int r = 0; r < rows; r++) DenseKernels.Add(g.InputBias, dz.Slice(r * G, G));
            }
            else InputWeightGradient(dz, f.InputT.Slice(t0 * batch * I, rows * I), g.InputWeights, g.InputBias, rows, I, G);
            DenseKernels.WeightGradient(hiddenGateGradients.Slice(t0 * batch * G, rows * G), f.States.Slice(t0 * batch * H, rows * H),
                g.HiddenWeights, g.HiddenBias, rows, H, G);
        }
        if (transposed)
            for (int q = 0; q < G; q++)
                for (int k = 0; k < I; k++)
                    g.InputWeights[q * I + k] += inputWeightsT[k * G + q];

        if (dx.IsEmpty) return;
        DenseKernels.InputGradient(b.GateGradients, p.InputWeights, f.InputT, b.InputGradientT, T * batch, I, G, default(LinearActivation));
        ToBatchMajor(b.InputGradientT, dx, batch, T, I);
        if (typeof(TAct) != typeof(LinearActivation)) GraphKernels.MultiplyByDerivative(dx, x, inputDerivative);
    }

    /// <summary>Rows (steps × batch) from which the input projection is worth W_ihᵀ: the transpose costs about what 16 rows of dot products do.</summary>
    internal const int BroadcastProjectionRows = 64;

    /// <summary>
    /// gates = xT W_ihᵀ + b_ih for the <paramref name="rows"/> rows of every step. With many rows and <paramref name="room"/> for
    /// W_ihᵀ [I, G], as broadcast tiles over W_ihᵀ's rows (the product DenseKernels.WeightGradient and InputGradient run): every
    /// output vector is I multiply-adds with no horizontal sums, whatever I is, shared between the cores by rows. Otherwise
    /// DenseKernels.Forward's dot products, whose 8-wide form leaves I mod 8 terms of each to a scalar tail: where that is 4 or
    /// more (28 features) and the product stays on one core, the same kernel's 4-wide form, which leaves I mod 4.
    /// </summary>
    internal static void InputProjection(ReadOnlySpan<float> xT, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> gates, int rows, int I, int G,
        Span<float> room = default)
    {
        const string kernel = "RecurrentKernels.InputProjection";
        KernelChecks.Length(kernel, nameof(xT), xT.Length, (long)rows * I);
        KernelChecks.Length(kernel, nameof(w), w.Length, (long)G * I);
        KernelChecks.Length(kernel, nameof(bias), bias.Length, G);
        KernelChecks.Length(kernel, nameof(gates), gates.Length, (long)rows * G);
        var kind = ProjectionKind(rows, I, G, room.Length);
        if (kind == Projection.Broadcast)
        {
            var transposed = room.Slice(0, G * I);
            for (int k = 0; k < I; k++)
                for (int q = 0; q < G; q++)
                    transposed[k * G + q] = w[q * I + k];
            ProjectionJob.Run(xT, transposed, bias, gates, rows, I, G);
            return;
        }
        if (kind == Projection.Narrow)
        {
            DenseKernels.ForwardBlock<Vector128<float>, Vector128Width, LinearActivation>(xT, w, bias, gates, 0, rows, 0, G, I, G, default);
            return;
        }
        DenseKernels.Forward(xT, w, bias, gates, rows, I, G, default(LinearActivation));
    }

    /// <summary>How InputProjection computes: broadcast tiles over W_ihᵀ, 4-wide dot products, or DenseKernels' dot products.</summary>
    private enum Projection { Broadcast, Narrow, Dots }

    private static Projection ProjectionKind(int rows, int I, int G, int room)
    {
        if (rows >= BroadcastProjectionRows && room >= (long)G * I) return Projection.Broadcast;
        if (Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated && I % 8 >= 4 && rows >= 8 && BatchParallel.PartsFor((rows + 3) / 4, 4L * I * G) <= 1)
            return Projection.Narrow;
        return Projection.Dots;
    }

    /// <summary>Rows [r0, r1) × units [u0, u1) of InputProjection's dot products (<paramref name="kind"/> Narrow or Dots), each unit as the whole product computes it.</summary>
    private static void ProjectionUnits(Projection kind, ReadOnlySpan<float> xT, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> gates, int r0, int r1, int I, int G, int u0, int u1)
    {
        if (kind == Projection.Narrow) DenseKernels.ForwardBlock<Vector128<float>, Vector128Width, LinearActivation>(xT, w, bias, gates, r0, r1, u0, u1, I, G, default);
        else DenseKernels.ForwardBlock(xT, w, bias, gates, r0, r1, u0, u1, I, G, default(LinearActivation));
    }

    /// <summary>The broadcast-tile input projection, rows [4·start, 4·end) per part: C = xT · W_ihᵀ, then + b_ih.</summary>
    private sealed unsafe class ProjectionJob : IBatchJob
    {
        [ThreadStatic] private static ProjectionJob? _instance;
        private float* _x, _wT, _bias, _gates;
        private int _rows, _inSize, _gateWidth;

        public static void Run(ReadOnlySpan<float> xT, ReadOnlySpan<float> wT, ReadOnlySpan<float> bias, Span<float> gates, int rows, int I, int G)
        {
            fixed (float* px = xT, pw = wT, pb = bias, pg = gates)
            {
                var job = _instance ??= new ProjectionJob();
                job._x = px; job._wT = pw; job._bias = pb; job._gates = pg;
                job._rows = rows; job._inSize = I; job._gateWidth = G;
                int groups = (rows + 3) / 4;
                BatchParallel.Run(job, groups, BatchParallel.PartsFor(groups, 4L * I * G));
            }
        }

        public void Run(int start, int end, int worker)
        {
            int r0 = 4 * start, r1 = Math.Min(4 * end, _rows), I = _inSize, G = _gateWidth;
            ref float a = ref _x[(long)r0 * I];
            ref float c = ref _gates[(long)r0 * G];
            if (Vector256.IsHardwareAccelerated)
                DenseKernels.MultiplyStrided<Vector256<float>, Vector256Width, LinearActivation>(ref a, I, 1, ref *_wT, ref c, ref c, r1 - r0, G, I, default, accumulate: false);
            else if (Vector128.IsHardwareAccelerated)
                DenseKernels.MultiplyStrided<Vector128<float>, Vector128Width, LinearActivation>(ref a, I, 1, ref *_wT, ref c, ref c, r1 - r0, G, I, default, accumulate: false);
            else
                DenseKernels.MultiplyStrided<float, ScalarWidth, LinearActivation>(ref a, I, 1, ref *_wT, ref c, ref c, r1 - r0, G, I, default, accumulate: false);
            DenseKernels.BiasActivation(new Span<float>(_gates + (long)r0 * G, (r1 - r0) * G), new ReadOnlySpan<float>(_bias, G), G, default(LinearActivation));
        }
    }

    /// <summary>
    /// Rows of the gate gradients (and of the inputs) that one weight-gradient product reads: 128 rows of 4H = 512 gates are
    /// 256 KB, which stay in a 512 KB L2 while every row of dW reads them.
    /// </summary>
    internal const int WeightGradientRows = 128;

    /// <summary>
    /// dW_ih += dzᵀ x and db_ih += Σ dz over <paramref name="rows"/> rows. DenseKernels.WeightGradient's 8-wide tiles leave
    /// I mod 8 columns of dW to a scalar loop: where that is 4 or more (28 features, sequential MNIST: a quarter of the
    /// columns) the 4-wide tiles of the same product leave I mod 4, in the same order of sums.
    /// </summary>
    internal static void InputWeightGradient(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, Span<float> dw, Span<float> db, int rows, int I, int G)
    {
        if (!(Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated && I % 8 >= 4))
        {
            DenseKernels.WeightGradient(dz, x, dw, db, rows, I, G);
            return;
        }
        const string kernel = "RecurrentKernels.InputWeightGradient";
        KernelChecks.Length(kernel, nameof(dz), dz.Length, (long)rows * G);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)rows * I);
        KernelChecks.Length(kernel, nameof(dw), dw.Length, (long)G * I);
        KernelChecks.Length(kernel, nameof(db), db.Length, G);
        ref float dw0 = ref MemoryMarshal.GetReference(dw);
        DenseKernels.MultiplyStrided<Vector128<float>, Vector128Width, LinearActivation>(ref MemoryMarshal.GetReference(dz), 1, G,
            ref MemoryMarshal.GetReference(x), ref dw0, ref dw0, G, I, rows, default, accumulate: true);
        for (int r = 0; r < rows; r++) DenseKernels.Add(db, dz.Slice(r * G, G));
    }

    // ------------------------------------------------------------------ cells

    private static void RnnStep(RecurrentShape shape, Span<float> gates, ReadOnlySpan<float> step, ReadOnlySpan<float> hPrev, Span<float> h)
    {
        // a = f(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), kept in the gates for the backward pass; h = (1 − α) h₍t−1₎ + α a.
        DenseKernels.Add(gates, step);
        if (shape.Cell == RecurrentCell.SimpleRnnReLU) DenseKernels.ApplyActivation(gates, default(ReLUActivation));
        else DenseKernels.ApplyActivation(gates, default(TanhActivation));
        float leak = shape.Leak;
        if (leak == 1f)
        {
            gates.CopyTo(h);
            return;
        }
        for (int k = 0; k < h.Length; k++) h[k] = (1f - leak) * hPrev[k] + leak * gates[k];
    }

    private static void RnnStepBackward(RecurrentShape shape, ReadOnlySpan<float> gates, Span<float> dh, Span<float> dGates)
    {
        // dz = α dh f′(a); the direct path keeps (1 − α) dh in dh.
        float leak = shape.Leak;
        bool relu = shape.Cell == RecurrentCell.SimpleRnnReLU;
        for (int k = 0; k < dh.Length; k++)
        {
            float a = gates[k];
            dGates[k] = leak * dh[k] * (relu ? (a > 0f ? 1f : 0f) : 1f - a * a);
            dh[k] *= 1f - leak;
        }
    }

    private static void LstmStep(RecurrentShape shape, Parameters p, Span<float> gates, ReadOnlySpan<float> step, ReadOnlySpan<float> cPrev,
        Span<float> c, Span<float> h, int batch)
    {
        bool peephole = shape.HasPeephole;
        LstmSamples(shape.Hidden, peephole, ref peephole ? ref MemoryMarshal.GetReference(p.Peephole) : ref Unsafe.NullRef<float>(),
            ref MemoryMarshal.GetReference(gates), ref MemoryMarshal.GetReference(step), ref MemoryMarshal.GetReference(cPrev),
            ref MemoryMarshal.GetReference(c), ref MemoryMarshal.GetReference(h), 0, batch);
    }

    /// <summary>The LSTM cell of samples [<paramref name="s0"/>, <paramref name="s1"/>): the step's rows from their first elements (the caller checked the lengths).</summary>
    private static void LstmSamples(int H, bool peephole, ref float peep, ref float gates, ref float step, ref float cPrev, ref float c, ref float h, int s0, int s1)
    {
        int G = 4 * H;
        for (int s = s0; s < s1; s++)
        {
            ref float z = ref Unsafe.Add(ref gates, s * G);
            ref float r = ref Unsafe.Add(ref step, s * G);
            ref float cp = ref Unsafe.Add(ref cPrev, s * H);
            ref float cs = ref Unsafe.Add(ref c, s * H);
            ref float hs = ref Unsafe.Add(ref h, s * H);
            LstmUnits(H, 0, H, peephole, ref peep, ref z, ref r, ref cp, ref cs, ref hs);
        }
    }

    /// <summary>One sample's LSTM cell over units [<paramref name="j0"/>, <paramref name="j1"/>): vectors from j0, the scalar tail before j1.</summary>
    private static void LstmUnits(int H, int j0, int j1, bool peephole, ref float peep, ref float z, ref float r, ref float cp, ref float c, ref float h)
    {
        int j = j0;
        if (Vector256.IsHardwareAccelerated) j = LstmCell<Vector256<float>, Vector256Width>(H, j, j1, peephole, ref peep, ref z, ref r, ref cp, ref c, ref h);
        else if (Vector128.IsHardwareAccelerated) j = LstmCell<Vector128<float>, Vector128Width>(H, j, j1, peephole, ref peep, ref z, ref r, ref cp, ref c, ref h);
        LstmCell<float, ScalarWidth>(H, j, j1, peephole, ref peep, ref z, ref r, ref cp, ref c, ref h);
    }

    /// <summary>
    /// One sample's LSTM cell over units [<paramref name="j"/>, <paramref name="end"/>) in vectors of TWidth (the units left over are returned):
    /// z = gates + W_hh h + b_hh (and the peepholes), i, f = σ, g = tanh, c = f ⊙ c₍t−1₎ + i ⊙ g, o = σ, h = o ⊙ tanh c; the
    /// activated gates go back into <paramref name="z"/> for the backward pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LstmCell<TVector, TWidth>(int H, int j, int end, bool peephole, ref float peep, ref float z, ref float r, ref float cp, ref float c, ref float h)
        where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        var sigmoid = new LogisticActivation(1f);
        var tanh = default(TanhActivation);
        for (; j + TWidth.Count <= end; j += TWidth.Count)
        {
            var zi = TWidth.Add(TWidth.Load(ref z, j), TWidth.Load(ref r, j));
            var zf = TWidth.Add(TWidth.Load(ref z, H + j), TWidth.Load(ref r, H + j));
            var zg = TWidth.Add(TWidth.Load(ref z, 2 * H + j), TWidth.Load(ref r, 2 * H + j));
            var zo = TWidth.Add(TWidth.Load(ref z, 3 * H + j), TWidth.Load(ref r, 3 * H + j));
            var cPrev = TWidth.Load(ref cp, j);
            if (peephole)
            {
                zi = TWidth.Add(zi, TWidth.Multiply(TWidth.Load(ref peep, j), cPrev));
                zf = TWidth.Add(zf, TWidth.Multiply(TWidth.Load(ref peep, H + j), cPrev));
            }
            var i = TWidth.Apply(sigmoid, zi);
            var f = TWidth.Apply(sigmoid, zf);
            var g = TWidth.Apply(tanh, zg);
            var cell = TWidth.Add(TWidth.Multiply(f, cPrev), TWidth.Multiply(i, g));
            // o reads c₍t₎ through its peephole.
            if (peephole) zo = TWidth.Add(zo, TWidth.Multiply(TWidth.Load(ref peep, 2 * H + j), cell));
            var o = TWidth.Apply(sigmoid, zo);
            TWidth.Store(i, ref z, j);
            TWidth.Store(f, ref z, H + j);
            TWidth.Store(g, ref z, 2 * H + j);
            TWidth.Store(o, ref z, 3 * H + j);
            TWidth.Store(cell, ref c, j);
            TWidth.Store(TWidth.Multiply(TWidth.Apply(tanh, cell), o), ref h, j);
        }
        return j;
    }

    private static void LstmStepBackward(RecurrentShape shape, Parameters p, Parameters g, ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> c, Span<float> dh, Span<float> dc, Span<float> dGates, int batch)
    {
        bool peephole = shape.HasPeephole;
        LstmSamplesBackward(shape.Hidden, peephole, ref peephole ? ref MemoryMarshal.GetReference(p.Peephole) : ref Unsafe.NullRef<float>(),
            ref peephole ? ref MemoryMarshal.GetReference(g.Peephole) : ref Unsafe.NullRef<float>(),
            ref MemoryMarshal.GetReference(gates), ref MemoryMarshal.GetReference(cPrev), ref MemoryMarshal.GetReference(c),
            ref MemoryMarshal.GetReference(dh), ref MemoryMarshal.GetReference(dc), ref MemoryMarshal.GetReference(dGates), 0, batch);
    }

    /// <summary>The cell backward of samples [<paramref name="s0"/>, <paramref name="s1"/>) (the caller checked the lengths).</summary>
    private static void LstmSamplesBackward(int H, bool peephole, ref float peep, ref float dPeep, ref float gates, ref float cPrev, ref float c,
        ref float dh, ref float dc, ref float dGates, int s0, int s1)
    {
        int G = 4 * H;
        for (int s = s0; s < s1; s++)
        {
            ref float row = ref Unsafe.Add(ref gates, s * G);
            ref float drow = ref Unsafe.Add(ref dGates, s * G);
            ref float cp = ref Unsafe.Add(ref cPrev, s * H);
            ref float ct = ref Unsafe.Add(ref c, s * H);
            ref float dhs = ref Unsafe.Add(ref dh, s * H);
            ref float dcs = ref Unsafe.Add(ref dc, s * H);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
                j = LstmCellBackward<Vector256<float>, Vector256Width>(H, j, peephole, ref peep, ref dPeep, ref row, ref cp, ref ct, ref dhs, ref dcs, ref drow);
            else if (Vector128.IsHardwareAccelerated)
                j = LstmCellBackward<Vector128<float>, Vector128Width>(H, j, peephole, ref peep, ref dPeep, ref row, ref cp, ref ct, ref dhs, ref dcs, ref drow);
            LstmCellBackward<float, ScalarWidth>(H, j, peephole, ref peep, ref dPeep, ref row, ref cp, ref ct, ref dhs, ref dcs, ref drow);
        }
    }

    /// <summary>
    /// One sample's cell backward over units [<paramref name="j"/>, H) in vectors of TWidth (returns where it stopped): the gradients
    /// at the four gates' pre-activations into <paramref name="dGates"/>, dc₍t−1₎ into <paramref name="dc"/>, and the peephole
    /// weights' gradients added to <paramref name="dPeep"/>. tanh c is computed again (the forward pass keeps c, not tanh c).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LstmCellBackward<TVector, TWidth>(int H, int j, bool peephole, ref float peep, ref float dPeep, ref float gates, ref float cPrev,
        ref float c, ref float dh, ref float dc, ref float dGates) where TVector : unmanaged where TWidth : struct, ISimdWidth<TVector>
    {
        var tanh = default(TanhActivation);
        var one = TWidth.Broadcast(1f);
        var minusOne = TWidth.Broadcast(-1f);
        for (; j + TWidth.Count <= H; j += TWidth.Count)
        {
            var i = TWidth.Load(ref gates, j);
            var f = TWidth.Load(ref gates, H + j);
            var g = TWidth.Load(ref gates, 2 * H + j);
            var o = TWidth.Load(ref gates, 3 * H + j);
            var ct = TWidth.Load(ref c, j);
            var cp = TWidth.Load(ref cPrev, j);
            var d = TWidth.Load(ref dh, j);
            var tc = TWidth.Apply(tanh, ct);
            // 1 − x as 1 + x · (−1): the product is exact, so it rounds as the subtraction does.
            var dzo = TWidth.Multiply(TWidth.Multiply(TWidth.Multiply(d, tc), o), TWidth.Add(one, TWidth.Multiply(o, minusOne)));
            var dct = TWidth.Add(TWidth.Load(ref dc, j),
                TWidth.Multiply(TWidth.Multiply(d, o), TWidth.Add(one, TWidth.Multiply(TWidth.Multiply(tc, tc), minusOne))));
            if (peephole) dct = TWidth.Add(dct, TWidth.Multiply(dzo, TWidth.Load(ref peep, 2 * H + j)));
            var dzi = TWidth.Multiply(TWidth.Multiply(TWidth.Multiply(dct, g), i), TWidth.Add(one, TWidth.Multiply(i, minusOne)));
            var dzf = TWidth.Multiply(TWidth.Multiply(TWidth.Multiply(dct, cp), f), TWidth.Add(one, TWidth.Multiply(f, minusOne)));
            var dzg = TWidth.Multiply(TWidth.Multiply(dct, i), TWidth.Add(one, TWidth.Multiply(TWidth.Multiply(g, g), minusOne)));
            TWidth.Store(dzi, ref dGates, j);
            TWidth.Store(dzf, ref dGates, H + j);
            TWidth.Store(dzg, ref dGates, 2 * H + j);
            TWidth.Store(dzo, ref dGates, 3 * H + j);
            var dcPrev = TWidth.Multiply(dct, f);
            if (peephole)
            {
                dcPrev = TWidth.Add(dcPrev, TWidth.Add(TWidth.Multiply(dzi, TWidth.Load(ref peep, j)), TWidth.Multiply(dzf, TWidth.Load(ref peep, H + j))));
                TWidth.Store(TWidth.Add(TWidth.Load(ref dPeep, j), TWidth.Multiply(dzi, cp)), ref dPeep, j);
                TWidth.Store(TWidth.Add(TWidth.Load(ref dPeep, H + j), TWidth.Multiply(dzf, cp)), ref dPeep, H + j);
                TWidth.Store(TWidth.Add(TWidth.Load(ref dPeep, 2 * H + j), TWidth.Multiply(dzo, ct)), ref dPeep, 2 * H + j);
            }
            TWidth.Store(dcPrev, ref dc, j);
        }
        return j;
    }

    private static void GruStep(int H, Span<float> gates, ReadOnlySpan<float> step, Span<float> hiddenN, ReadOnlySpan<float> hPrev, Span<float> h, int batch)
    {
        int G = 3 * H;
        for (int s = 0; s < batch; s++)
        {
            var row = gates.Slice(s * G, G);
            var rec = step.Slice(s * G, G);
            var hn = hiddenN.Slice(s * H, H);
            // r and z read both products; n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)).
            for (int j = 0; j < 2 * H; j++) row[j] += rec[j];
            DenseKernels.ApplyActivation(row.Slice(0, 2 * H), new LogisticActivation(1f));
            for (int j = 0; j < H; j++)
            {
                hn[j] = rec[2 * H + j];
                row[2 * H + j] += row[j] * hn[j];
            }
            DenseKernels.ApplyActivation(row.Slice(2 * H, H), default(TanhActivation));
            for (int j = 0; j < H; j++)
            {
                float z = row[H + j];
                h[s * H + j] = (1f - z) * row[2 * H + j] + z * hPrev[s * H + j];
            }
        }
    }

    private static void GruStepBackward(int H, ReadOnlySpan<float> gates, ReadOnlySpan<float> hiddenN, ReadOnlySpan<float> hPrev, Span<float> dh,
        Span<float> dGates, Span<float> dHidden, int batch)
    {
        int G = 3 * H;
        for (int s = 0; s < batch; s++)
        {
            var row = gates.Slice(s * G, G);
            var drow = dGates.Slice(s * G, G);
            var dhrow = dHidden.Slice(s * G, G);
            for (int j = 0; j < H; j++)
            {
                int k = s * H + j;
                float r = row[j], z = row[H + j], n = row[2 * H + j], d = dh[k];
                float dzn = d * (1f - z) * (1f - n * n);
                float dzz = d * (hPrev[k] - n) * z * (1f - z);
                float dzr = dzn * hiddenN[k] * r * (1f - r);
                drow[j] = dzr;
                drow[H + j] = dzz;
                drow[2 * H + j] = dzn;
                dhrow[j] = dzr;
                dhrow[H + j] = dzz;
                dhrow[2 * H + j] = dzn * r;
                dh[k] = d * z;
            }
        }
    }

    /// <summary>
    /// Parts an LSTM step is shared in between the cores, by groups of four samples: where DenseKernels would share the step's
    /// W_hh product by samples (a batch of 8 or more, work enough for the hand-off), the cell goes with it; 1 = not shared.
    /// </summary>
    private static int SharedLstmParts(RecurrentShape shape, int batch, bool peepholeAllowed)
    {
        if (!shape.IsLstm || (shape.HasPeephole && !peepholeAllowed) || batch < 8) return 1;
        return BatchParallel.PartsFor((batch + 3) / 4, 4L * shape.Hidden * shape.GateWidth);
    }

    /// <summary>
    /// One LSTM step shared between the cores by groups of four samples: forward, each part's rows of the W_hh product
    /// (DenseKernels.ForwardBlock, as DenseKernels.Forward shares them) then their cells; backward, each part's cells then their
    /// rows of dh₍t−1₎ = dgates W_hh (the strided product DenseKernels.InputGradient runs). Each sample's values are computed by
    /// the same operations as on one core, so sharing changes no result.
    /// </summary>
    private sealed unsafe class LstmStepJob : IBatchJob
    {
        [ThreadStatic] private static LstmStepJob? _instance;
        private static LstmStepJob Instance => _instance ??= new LstmStepJob();
        private bool _backward, _peephole;
        private int _batch, _hidden;
        private float* _hPrev, _weights, _bias, _peep, _step, _gates, _cPrev, _c, _h, _dh, _dc, _dGates;

        public static void Forward(RecurrentShape shape, Parameters p, ReadOnlySpan<float> hPrev, Span<float> gates, Span<float> step,
            ReadOnlySpan<float> cPrev, Span<float> c, Span<float> h, int batch, int parts)
        {
            fixed (float* ph = hPrev, pw = p.HiddenWeights, pb = p.HiddenBias, pp = p.Peephole, ps = step, pg = gates, pcp = cPrev, pc = c, pn = h)
            {
                var job = Instance;
                job._backward = false;
                job._peephole = shape.HasPeephole;
                job._batch = batch;
                job._hidden = shape.Hidden;
                job._hPrev = ph; job._weights = pw; job._bias = pb; job._peep = pp; job._step = ps; job._gates = pg; job._cPrev = pcp; job._c = pc; job._h = pn;
                BatchParallel.Run(job, (batch + 3) / 4, parts);
            }
        }

        public static void Backward(RecurrentShape shape, Parameters p, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev,
            ReadOnlySpan<float> c, Span<float> dh, Span<float> dc, Span<float> dGates, int batch, int parts)
        {
            fixed (float* ph = hPrev, pw = p.HiddenWeights, pg = gates, pcp = cPrev, pc = c, pdh = dh, pdc = dc, pdg = dGates)
            {
                var job = Instance;
                job._backward = true;
                job._peephole = false;
                job._batch = batch;
                job._hidden = shape.Hidden;
                job._hPrev = ph; job._weights = pw; job._gates = pg; job._cPrev = pcp; job._c = pc; job._dh = pdh; job._dc = pdc; job._dGates = pdg;
                BatchParallel.Run(job, (batch + 3) / 4, parts);
            }
        }

        public void Run(int start, int end, int worker)
        {
            int s0 = 4 * start, s1 = Math.Min(4 * end, _batch), H = _hidden, G = 4 * H;
            if (!_backward)
            {
                DenseKernels.ForwardBlock(new ReadOnlySpan<float>(_hPrev, _batch * H), new ReadOnlySpan<float>(_weights, G * H), new ReadOnlySpan<float>(_bias, G),
                    new Span<float>(_step, _batch * G), s0, s1, 0, G, H, G, default(LinearActivation));
                LstmSamples(H, _peephole, ref Unsafe.AsRef<float>(_peep), ref *_gates, ref *_step, ref *_cPrev, ref *_c, ref *_h, s0, s1);
                return;
            }
            LstmSamplesBackward(H, false, ref Unsafe.NullRef<float>(), ref Unsafe.NullRef<float>(), ref *_gates, ref *_cPrev, ref *_c, ref *_dh, ref *_dc, ref *_dGates, s0, s1);
            // dh rows [s0, s1) = dgates rows W_hh: A(r, k) = dGates[r·G + k], B = W_hh [G, H]; the derivative input (hPrev) is unused.
            ref float a = ref _dGates[(long)s0 * G];
            ref float dhRows = ref _dh[(long)s0 * H];
            ref float hRows = ref _hPrev[(long)s0 * H];
            if (Vector256.IsHardwareAccelerated)
                DenseKernels.MultiplyStrided<Vector256<float>, Vector256Width, LinearActivation>(ref a, G, 1, ref *_weights, ref dhRows, ref hRows, s1 - s0, H, G, default, accumulate: false);
            else if (Vector128.IsHardwareAccelerated)
                DenseKernels.MultiplyStrided<Vector128<float>, Vector128Width, LinearActivation>(ref a, G, 1, ref *_weights, ref dhRows, ref hRows, s1 - s0, H, G, default, accumulate: false);
            else
                DenseKernels.MultiplyStrided<float, ScalarWidth, LinearActivation>(ref a, G, 1, ref *_weights, ref dhRows, ref hRows, s1 - s0, H, G, default, accumulate: false);
        }
    }

    /// <summary>
    /// Parts a small batch's LSTM recurrence is shared in between the cores by units (<see cref="LstmUnitsJob"/>): a batch
    /// below 8 (larger ones share by samples, <see cref="SharedLstmParts"/>) whose step is worth DenseKernels' split of one
    /// sample's units; 1 = not shared. Parts hold whole vectors of 8 units.
    /// </summary>
    private static int UnitSharedLstmParts(RecurrentShape shape, int batch)
    {
        if (!shape.IsLstm || batch >= 8 || BatchParallel.Threads < 2 || ShareUnitsOff) return 1;
        if ((long)batch * shape.Hidden * shape.GateWidth < DenseKernels.MinimumWorkToSplitUnits || !ShareUnitsNow()) return 1;
        return Math.Min(BatchParallel.Threads, shape.Hidden / UnitGroup);
    }

    /// <summary>Units per group of <see cref="LstmUnitsJob"/>: a 256-bit vector's, so each part's cells run the vectors the whole cell does.</summary>
    private const int UnitGroup = 8;

    /// <summary>For tests: this thread's LSTM forward passes do not share a small batch's units (the reference for the shared ones).</summary>
    [ThreadStatic] internal static bool ShareUnitsOff;

    /// <summary>
    /// A small batch's LSTM recurrence shared between the cores by units: each part owns units [u0, u1) of h and c, and so the
    /// rows u0…u1 of each gate's block of W_ih, W_hh and the biases (on two cores, half of W_hh's 256 KB at hidden 128, which
    /// stays in that core's own L2 from step to step). Per step a part computes its gates' W_hh rows against the whole h₍t−1₎,
    /// then its units' cells, then publishes the step; the next step waits for every part's (a spin on their counters), as
    /// it reads all of h. Each value is computed by the operations the unshared path runs (ForwardBlock per unit, the cell's
    /// vectors from a multiple of 8), so sharing changes no result.
    /// </summary>
    private sealed unsafe class LstmUnitsJob : IBatchJob
    {
        [ThreadStatic] private static LstmUnitsJob? _instance;
        private bool _peephole;
        private Projection _projection;
        private int _batch, _steps, _features, _hidden, _groups, _parts;
        private float* _xT, _wih, _bih, _whh, _bhh, _peep, _gates, _states, _cells, _step;
        // Each part's last finished step, a cache line (64 bytes) apart so the spins do not share lines.
        private readonly int[] _done = new int[16 * 16], _claimed = new int[16 * 16];

        public static void Forward(RecurrentShape shape, Parameters p, ReadOnlySpan<float> xT, Span<float> gates, Span<float> states, Span<float> cells,
            Span<float> step, int batch, int parts, Projection projection)
        {
            fixed (float* px = xT, pwi = p.InputWeights, pbi = p.InputBias, pwh = p.HiddenWeights, pbh = p.HiddenBias, pp = p.Peephole,
                   pg = gates, ps = states, pc = cells, pst = step)
            {
                var job = _instance ??= new LstmUnitsJob();
                job._peephole = shape.HasPeephole;
                job._projection = projection;
                job._batch = batch; job._steps = shape.Steps; job._features = shape.Features; job._hidden = shape.Hidden;
                job._groups = (shape.Hidden + UnitGroup - 1) / UnitGroup;
                job._xT = px; job._wih = pwi; job._bih = pbi; job._whh = pwh; job._bhh = pbh; job._peep = pp;
                job._gates = pg; job._states = ps; job._cells = pc; job._step = pst;
                job._parts = Math.Min(Math.Min(parts, job._groups), 16);
                Array.Clear(job._done);
                Array.Clear(job._claimed);
                BatchParallel.Run(job, job._groups, job._parts);
            }
        }

        public void Run(int start, int end, int worker)
        {
            // Alone (the workers were busy with another thread's job): every part's units here, in order.
            if (start == 0 && end == _groups)
            {
                for (int t = 0; t < _steps; t++)
                    for (int part = 0; part < _parts; part++) Step(part, t);
                return;
            }
            try
            {
                Steps(worker);
            }
            catch
            {
                // The others must not wait for steps this part will never finish.
                for (int part = 0; part < _parts; part++) Volatile.Write(ref _done[16 * part], int.MaxValue);
                throw;
            }
        }

        /// <summary>
        /// Every step of this part's units, and of another part's that has not started its step after a while (its thread
        /// descheduled by other load on the machine): a part's step is claimed before it runs (a compare-exchange on its
        /// counter), so each runs once, on whichever core claims it, and waits for the whole of step t − 1 before it starts.
        /// </summary>
        private void Steps(int worker)
        {
            for (int t = 0; t < _steps; t++)
                for (int i = 0; i < _parts; i++)
                {
                    int part = (worker + i) % _parts;
                    ref int claimed = ref _claimed[16 * part];
                    if (i > 0)
                    {
                        // Give the owner time to claim its own step: it does so as soon as it finished its previous one.
                        for (int spins = 0; Volatile.Read(ref claimed) <= t && spins < StealAfterSpins; spins++) Thread.SpinWait(1);
                    }
                    if (Interlocked.CompareExchange(ref claimed, t + 1, t) != t) continue;
                    // Step t reads all of h₍t₎: every part's step t − 1.
                    for (int other = 0; other < _parts; other++) Wait(ref _done[16 * other], t);
                    Step(part, t);
                    Volatile.Write(ref _done[16 * part], t + 1);
                }
        }

        /// <summary>Spins before another part's step is taken over: several microseconds, many times a hand-off.</summary>
        private const int StealAfterSpins = 2_000;

        /// <summary>Step <paramref name="t"/> of part <paramref name="part"/>'s units: their input projection where it is dot products, their W_hh rows, their cells.</summary>
        private void Step(int part, int t)
        {
            int T = _steps, I = _features, H = _hidden, G = 4 * H, batch = _batch;
            int u0 = (int)((long)_groups * part / _parts) * UnitGroup, u1 = Math.Min((int)((long)_groups * (part + 1) / _parts) * UnitGroup, H);
            var bih = new ReadOnlySpan<float>(_bih, G);
            var bhh = new ReadOnlySpan<float>(_bhh, G);
            var whh = new ReadOnlySpan<float>(_whh, G * H);
            var step = new Span<float>(_step, batch * G);
            if (_projection != Projection.Broadcast)
            {
                var xT = new ReadOnlySpan<float>(_xT, T * batch * I);
                var wih = new ReadOnlySpan<float>(_wih, G * I);
                var gates = new Span<float>(_gates, T * batch * G);
                for (int q = 0; q < 4; q++) ProjectionUnits(_projection, xT, wih, bih, gates, t * batch, (t + 1) * batch, I, G, q * H + u0, q * H + u1);
            }
            var hPrev = new ReadOnlySpan<float>(_states + (long)t * batch * H, batch * H);
            // step = h₍t−1₎ W_hhᵀ + b_hh, this part's rows of each gate.
            for (int q = 0; q < 4; q++) DenseKernels.ForwardBlock(hPrev, whh, bhh, step, 0, batch, q * H + u0, q * H + u1, H, G, default(LinearActivation));
            float* gatesT = _gates + (long)t * batch * G, cPrev = _cells + (long)t * batch * H, c = _cells + (long)(t + 1) * batch * H;
            float* h = _states + (long)(t + 1) * batch * H;
            for (int s = 0; s < batch; s++)
                LstmUnits(H, u0, u1, _peephole, ref Unsafe.AsRef<float>(_peep), ref gatesT[s * G], ref _step[s * G], ref cPrev[s * H], ref c[s * H], ref h[s * H]);
        }

        private static void Wait(ref int done, int step)
        {
            int spins = 0;
            while (Volatile.Read(ref done) < step)
            {
                // The other core is mid-step (a microsecond or two): spin. Longer, its thread was descheduled mid-step by other
                // load: give the core away, and run the next calls unshared (below), where no core waits for another.
                if (++spins < ContendedAfterSpins) Thread.SpinWait(1);
                else
                {
                    if (spins == ContendedAfterSpins) Volatile.Write(ref _unsharedCalls, UnsharedCallsAfterContention);
                    Thread.Yield();
                }
            }
        }

        private const int ContendedAfterSpins = 20_000;
    }

    /// <summary>Calls after a contended shared recurrence (a wait of tenths of a millisecond) that run unshared before sharing is tried again.</summary>
    private const int UnsharedCallsAfterContention = 200;

    private static int _unsharedCalls;

    /// <summary>Whether this call shares a small batch's units: not for a while after a call whose parts waited long for each other.</summary>
    private static bool ShareUnitsNow()
    {
        int left = Volatile.Read(ref _unsharedCalls);
        if (left <= 0) return true;
        Interlocked.Decrement(ref _unsharedCalls);
        return false;
    }

    // ------------------------------------------------------------------ layouts

    /// <summary>[b][t][w] → [t][b][w].</summary>
    internal static void ToTimeMajor(ReadOnlySpan<float> batchMajor, Span<float> timeMajor, int batch, int steps, int width)
    {
        for (int s = 0; s < batch; s++)
            for (int t = 0; t < steps; t++)
                batchMajor.Slice((s * steps + t) * width, width).CopyTo(timeMajor.Slice((t * batch + s) * width, width));
    }

    /// <summary>[t][b][w] → [b][t][w].</summary>
    internal static void ToBatchMajor(ReadOnlySpan<float> timeMajor, Span<float> batchMajor, int batch, int steps, int width)
    {
        for (int t = 0; t < steps; t++)
            for (int s = 0; s < batch; s++)
                timeMajor.Slice((t * batch + s) * width, width).CopyTo(batchMajor.Slice((s * steps + t) * width, width));
    }

    /// <summary>target [b][w] += step t of a batch-major [b][t][w].</summary>
    private static void AddStepOfBatchMajor(ReadOnlySpan<float> batchMajor, Span<float> target, int batch, int steps, int width, int t)
    {
        for (int s = 0; s < batch; s++)
            DenseKernels.Add(target.Slice(s * width, width), batchMajor.Slice((s * steps + t) * width, width));
    }

    private static void CheckShape(string kernel, RecurrentShape shape, int batch)
    {
        KernelChecks.Positive(kernel, nameof(batch), batch);
        KernelChecks.Positive(kernel, "steps", shape.Steps);
        KernelChecks.Positive(kernel, "features", shape.Features);
        KernelChecks.Positive(kernel, "hidden", shape.Hidden);
        if (!(shape.Leak > 0f && shape.Leak <= 1f))
            throw new ArgumentOutOfRangeException(nameof(shape), shape.Leak, $"{kernel}: the leak is {shape.Leak}, but it must be in (0, 1].");
    }

    /// <summary>The views of a layer's parameter (or gradient) block.</summary>
    private readonly ref struct Parameters
    {
        public readonly Span<float> InputWeights, HiddenWeights, Peephole, InputBias, HiddenBias;

        public Parameters(RecurrentShape shape, ReadOnlySpan<float> block)
            : this(shape, System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(block), block.Length)) { }

        public Parameters(RecurrentShape shape, Span<float> block)
        {
            int G = shape.GateWidth, at = 0;
            InputWeights = block.Slice(at, shape.InputWeightCount); at += shape.InputWeightCount;
            HiddenWeights = block.Slice(at, shape.HiddenWeightCount); at += shape.HiddenWeightCount;
            Peephole = shape.HasPeephole ? block.Slice(at, 3 * shape.Hidden) : default; at += shape.HasPeephole ? 3 * shape.Hidden : 0;
            InputBias = block.Slice(at, G); at += G;
            HiddenBias = block.Slice(at, G);
        }
    }

    private readonly ref struct ForwardBuffers
    {
        public readonly Span<float> InputT, Gates, States, Cells, HiddenN, Step;

        /// <summary>States to Step, which the recurrence writes only after the input projection: room for W_ihᵀ until then.</summary>
        public readonly Span<float> AfterGates;

        public ForwardBuffers(RecurrentShape shape, Span<float> scratch, int batch)
        {
            int T = shape.Steps, H = shape.Hidden, G = shape.GateWidth, at = 0;
            InputT = Take(scratch, ref at, T * batch * shape.Features);
            Gates = Take(scratch, ref at, T * batch * G);
            int after = at;
            States = Take(scratch, ref at, (T + 1) * batch * H);
            Cells = shape.IsLstm ? Take(scratch, ref at, (T + 1) * batch * H) : default;
            HiddenN = shape.Cell == RecurrentCell.Gru ? Take(scratch, ref at, T * batch * H) : default;
            Step = Take(scratch, ref at, batch * G);
            AfterGates = scratch.Slice(after, at - after);
        }
    }

    private readonly ref struct BackwardBuffers
    {
        public readonly Span<float> GateGradients, HiddenGateGradients, Dh, Dc, DhStep, InputGradientT;

        public BackwardBuffers(RecurrentShape shape, Span<float> scratch, int batch)
        {
            int T = shape.Steps, H = shape.Hidden, G = shape.GateWidth, at = 0;
            GateGradients = Take(scratch, ref at, T * batch * G);
            HiddenGateGradients = shape.Cell == RecurrentCell.Gru ? Take(scratch, ref at, T * batch * G) : default;
            Dh = Take(scratch, ref at, batch * H);
            Dc = Take(scratch, ref at, batch * H);
            DhStep = Take(scratch, ref at, batch * H);
            InputGradientT = Take(scratch, ref at, T * batch * shape.Features);
        }
    }

    private static Span<float> Take(Span<float> scratch, scoped ref int at, int length)
    {
        var part = scratch.Slice(at, length);
        at += length;
        return part;
    }
}
