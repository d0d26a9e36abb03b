namespace Herald.Hosting;

/// <summary>One problem with one option: which option, and what is wrong with its value.</summary>
/// <param name="Option">The option's name: a <see cref="HeraldOptions"/> property, or the command-line option it came from.</param>
/// <param name="Problem">What is wrong, phrased to follow the name ("must be at least 1.").</param>
internal readonly record struct OptionProblem(string Option, string Problem)
{
    public override string ToString() => $"{Option} {Problem}";
}
