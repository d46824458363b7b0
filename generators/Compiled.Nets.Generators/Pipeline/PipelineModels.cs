using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>
/// Which network a pipeline item belongs to: its name for messages, a hint name unique to the type symbol, its
/// metadata name (for a second, hashed hint name should two types still meet on one) and the [Network] attribute's
/// location for a CN9999 raised by a later stage.
/// </summary>
internal sealed record NetworkIdentity(string DisplayName, string HintName, string MetadataName, LocationInfo? Location);

/// <summary>
/// One network's result at one stage, with its identity and its shell (what a stub needs; null where no part can be
/// added to the type). An item with no identity is a declaration the generator skips (a second [Network] part of a
/// class, or a user type that merely shares the attribute's name).
/// </summary>
internal sealed record Staged<T>(NetworkIdentity? Id, NetworkShell? Shell, StageResult<T> Result) where T : class
{
    public static Staged<T> Skip { get; } = new(null, null, new StageResult<T>(null, EquatableArray<DiagnosticInfo>.Empty));
}

/// <summary>
/// The declaration of a network type as the stub emitter needs it, read even when the network has errors: where it
/// goes (namespace and containing type headers, keywords escaped), its own header, and one member per partial layer
/// property that has no implementation. Holds no locations, so it compares equal across edits that only move code.
/// </summary>
internal sealed record NetworkShell(string Namespace, EquatableArray<string> ContainingTypes, string TypeHeader, EquatableArray<StubMember> Members);

/// <summary>A partial property to implement: its declaration up to the accessors ("public partial global::Compiled.Nets.Layer X") and its accessors ("get", "private set").</summary>
internal sealed record StubMember(string Declaration, EquatableArray<string> Accessors);

/// <summary>What the stub output emits: a network with CN errors, and the IDs its properties' exceptions name.</summary>
internal sealed record StubRequest(string HintName, string MetadataName, string NetworkName, NetworkShell Shell, EquatableArray<string> ErrorIds);

/// <summary>
/// A plan to emit, with what the source output needs should emission fail (a stub and a CN9999 at the network).
/// The location is left out of equality so that moving the declaration does not re-emit the source.
/// </summary>
internal sealed record PlanOutput(string HintName, string MetadataName, string NetworkName, NetworkPlan Plan, NetworkShell? Shell)
{
    public LocationInfo? Location { get; init; }

    public bool Equals(PlanOutput? other) =>
        other is not null && HintName == other.HintName && MetadataName == other.MetadataName && NetworkName == other.NetworkName &&
        Plan.Equals(other.Plan) && Equals(Shell, other.Shell);

    public override int GetHashCode() => (HintName, MetadataName, Plan).GetHashCode();
}

/// <summary>A network's hint-name stem and metadata name, collected over all networks so that clashing stems get a hash.</summary>
internal sealed record HintKey(string Stem, string MetadataName);
