namespace SessionKeeper.Cli; internal static class Program { public static int Main() => 0; }
