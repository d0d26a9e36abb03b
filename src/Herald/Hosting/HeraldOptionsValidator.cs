using Microsoft.Extensions.Options;

namespace Herald.Hosting;

/// <summary>Reports every problem <see cref="HeraldOptions.Validate"/> finds, each naming its option; <c>ValidateOnStart</c> makes them fail the start.</summary>
internal sealed class HeraldOptionsValidator : IValidateOptions<HeraldOptions>
{
    public ValidateOptionsResult Validate(string? name, HeraldOptions options)
    {
        IReadOnlyList<string> errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
