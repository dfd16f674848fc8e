import java.sql.*;

/**
 * pgJDBC with a JVM zone other than UTC: the driver sends TimeZone in its startup packet, reads
 * timestamptz text with the session's offset, and binds Timestamps with an explicit offset.
 */
public class JdbcTimeZone {
  public static void main(String[] args) throws Exception {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", "admin");
    p.setProperty("password", System.getenv("STRATA_TOKEN"));
    p.setProperty("sslmode", "require");
    String url = "jdbc:postgresql://127.0.0.1:" + System.getenv("STRATA_PORT") + "/postgres";
    try (Connection c = DriverManager.getConnection(url, p)) {
      String zone = java.util.TimeZone.getDefault().getID();
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW TimeZone")) {
        rs.next();
        if (!rs.getString(1).equals(zone)) throw new AssertionError("TimeZone " + rs.getString(1) + ", JVM " + zone);
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT timestamptz '2024-07-01 12:00:00+00', timestamptz '2024-07-01 12:00:00+00'::text")) {
        rs.next();
        if (rs.getTimestamp(1).getTime() != 1719835200000L) throw new AssertionError("instant " + rs.getTimestamp(1).getTime());
        if (!rs.getString(2).equals("2024-07-01 08:00:00-04")) throw new AssertionError("text " + rs.getString(2));
      }
      try (Statement s = c.createStatement()) { s.execute("CREATE TABLE jtz (id int PRIMARY KEY, at timestamptz)"); }
      Timestamp instant = new Timestamp(1710052200000L); // 2024-03-10 06:30:00 UTC, 01:30 in New York
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO jtz VALUES (?, ?)")) { ps.setInt(1, 1); ps.setTimestamp(2, instant); ps.executeUpdate(); }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT at, at::text, extract(epoch FROM at)::bigint FROM jtz")) {
        rs.next();
        if (!rs.getTimestamp(1).equals(instant)) throw new AssertionError("round trip " + rs.getTimestamp(1));
        if (!rs.getString(2).equals("2024-03-10 01:30:00-05")) throw new AssertionError("stored " + rs.getString(2));
        if (rs.getLong(3) != 1710052200L) throw new AssertionError("epoch " + rs.getLong(3));
      }
      System.out.println("ok");
    }
  }
}
