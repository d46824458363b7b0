using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Hopfield;

/// <summary>
/// HopfieldDeclaration → HopfieldSpec: the size (CN0073, CN0074), the type (CN0075) and the combination with [Network]
/// (CN0076), each at the attribute. Any error: no spec, so nothing is emitted for the class.
/// </summary>
internal static class HopfieldChecks
{
    public static StageResult<HopfieldSpec> Check(HopfieldParsed parsed, CancellationToken cancellationToken)
    {
        if (parsed.Declaration is not { } d) return new StageResult<HopfieldSpec>(null, parsed.Diagnostics);
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        if (d.AlsoNetwork)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HopfieldAndNetwork, d.Location, d.DisplayName));
        if (d.TypeProblem is { } problem)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedHopfieldType, d.Location, d.DisplayName, problem));
        if (d.Neurons is not { } n || n <= 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveNeurons, d.Location, d.DisplayName,
                d.Neurons is { } given ? $"Neurons = {given.ToString(CultureInfo.InvariantCulture)}" : "no Neurons setting"));
        else if (n > HopfieldLimits.MaxNeurons)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooManyNeurons, d.Location, d.DisplayName,
                n.ToString(CultureInfo.InvariantCulture), HopfieldLimits.MaxNeurons.ToString(CultureInfo.InvariantCulture),
                Size(2.0 * n * n * sizeof(float))));
        bool failed = diagnostics.Exists(x => x.IsError);
        var spec = failed ? null : new HopfieldSpec
        {
            DisplayName = d.DisplayName, TypeName = d.TypeName, Namespace = d.Namespace, ContainingTypes = d.ContainingTypes,
            HintStem = d.HintStem, MetadataName = d.MetadataName, Neurons = d.Neurons!.Value,
        };
        return new StageResult<HopfieldSpec>(spec, diagnostics.ToEquatableArray());
    }

    private static string Size(double bytes) =>
        bytes >= 1L << 30 ? (bytes / (1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (1 << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB";
}
