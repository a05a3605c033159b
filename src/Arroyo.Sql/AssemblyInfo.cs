namespace Arroyo.Sql;
