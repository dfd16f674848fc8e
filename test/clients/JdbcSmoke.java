import java.sql.*;

/** pgJDBC against Strata: DDL, prepared statements (server-side after 5 uses), bigint, a transaction. */
public class JdbcSmoke {
  public static void main(String[] args) throws Exception {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", "admin");
    p.setProperty("password", System.getenv("STRATA_TOKEN"));
    p.setProperty("sslmode", "require");
    String url = "jdbc:postgresql://127.0.0.1:" + System.getenv("STRATA_PORT") + "/postgres";
    try (Connection c = DriverManager.getConnection(url, p)) {
      try (Statement s = c.createStatement()) { s.execute("CREATE TABLE j (id int PRIMARY KEY, v text, n bigint)"); }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO j VALUES (?, ?, ?)")) {
        for (int i = 0; i < 7; i++) { ps.setInt(1, i); ps.setString(2, "v" + i); ps.setLong(3, 10000000000L + i); ps.executeUpdate(); }
      }
      StringBuilder out = new StringBuilder();
      try (PreparedStatement ps = c.prepareStatement("SELECT id, v, n FROM j WHERE id >= ? ORDER BY id")) {
        ps.setInt(1, 5);
        try (ResultSet rs = ps.executeQuery()) { while (rs.next()) out.append(rs.getInt(1)).append(' ').append(rs.getString(2)).append(' ').append(rs.getLong(3)).append(';'); }
      }
      if (!out.toString().equals("5 v5 10000000005;6 v6 10000000006;")) throw new AssertionError(out.toString());
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) { s.executeUpdate("UPDATE j SET v = 'x' WHERE id = 1"); }
      c.commit();
      if (!c.getMetaData().getDatabaseProductVersion().startsWith("16.")) throw new AssertionError("server version");
      System.out.println("ok");
    }
  }
}
